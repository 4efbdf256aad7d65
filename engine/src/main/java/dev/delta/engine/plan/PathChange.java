package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;

/**
 * The change of one path between an old and a new manifest.
 *
 * @param path     the path
 * @param action   what changed
 * @param oldEntry the entry in the old manifest, or null when added
 * @param newEntry the entry in the new manifest, or null when deleted
 */
public record PathChange(String path, ChangeAction action, Entry oldEntry, Entry newEntry) {
    /** The entry that describes the path after the change, or the old one when deleted. */
    public Entry effective() {
        return newEntry != null ? newEntry : oldEntry;
    }
}
