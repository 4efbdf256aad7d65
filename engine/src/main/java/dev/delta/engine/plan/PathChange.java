package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.EntryType;

/**
 * The change of one path between an old and a new manifest.
 *
 * @param path     the path
 * @param action   what changed
 * @param oldEntry the entry in the old manifest, or null when added
 * @param newEntry the entry in the new manifest, or null when deleted
 * @param type     the type of {@link #effective()}: kept here, where a pass over every path of a
 *                 big tree reads it next to the others, instead of in each entry (100,000 of them,
 *                 each memory far from the last)
 */
public record PathChange(String path, ChangeAction action, Entry oldEntry, Entry newEntry, EntryType type) {
    public PathChange(String path, ChangeAction action, Entry oldEntry, Entry newEntry) {
        this(path, action, oldEntry, newEntry, (newEntry != null ? newEntry : oldEntry).type());
    }

    /** The entry that describes the path after the change, or the old one when deleted. */
    public Entry effective() {
        return newEntry != null ? newEntry : oldEntry;
    }
}
