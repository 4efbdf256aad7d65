package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Per-path differences between two manifests, in canonical path order. Computed by one merge
 * walk over both sorted entry lists: O(n), no hashing.
 */
public final class ManifestDiff {
    private final List<PathChange> changes;
    private final Map<ChangeAction, Integer> counts;
    private final int filesAdded;
    private final int filesUpdated;
    private final int filesDeleted;

    private ManifestDiff(List<PathChange> changes) {
        this.changes = Collections.unmodifiableList(changes);
        int[] byAction = new int[ChangeAction.values().length];
        int added = 0;
        int updated = 0;
        int deleted = 0;
        for (PathChange ch : changes) {
            byAction[ch.action().ordinal()]++;
            if (ch.action() == ChangeAction.UNCHANGED) {
                continue; // same type, same content: neither added, updated nor deleted
            }
            boolean isFile = ch.newEntry() != null && ch.newEntry().isFile();
            boolean wasFile = ch.oldEntry() != null && ch.oldEntry().isFile();
            if (isFile && !wasFile) {
                added++;
            } else if (wasFile && !isFile) {
                deleted++;
            } else if (isFile && ch.action() == ChangeAction.UPDATE) {
                updated++;
            }
        }
        Map<ChangeAction, Integer> c = new EnumMap<>(ChangeAction.class);
        for (ChangeAction a : ChangeAction.values()) {
            c.put(a, byAction[a.ordinal()]);
        }
        this.counts = Collections.unmodifiableMap(c);
        this.filesAdded = added;
        this.filesUpdated = updated;
        this.filesDeleted = deleted;
    }

    /** Compares {@code oldManifest} (may be null: everything is added) with {@code newManifest}. */
    public static ManifestDiff between(Manifest oldManifest, Manifest newManifest) {
        List<Entry> a = oldManifest == null ? List.of() : oldManifest.entries();
        List<Entry> b = newManifest.entries();
        List<PathChange> out = new ArrayList<>(Math.max(a.size(), b.size()));
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            int cmp;
            if (i < a.size() && j < b.size() && a.get(i) == b.get(j)) {
                // The same entry object: a target rebuilt from the current manifest and a delta
                // shares every unchanged entry with it, and reading its path is a trip to memory.
                Entry same = a.get(i++);
                j++;
                out.add(new PathChange(same.path(), ChangeAction.UNCHANGED, same, same, same.type()));
                continue;
            }
            if (i == a.size()) {
                cmp = 1;
            } else if (j == b.size()) {
                cmp = -1;
            } else {
                cmp = ManifestPath.compare(a.get(i).path(), b.get(j).path());
            }
            if (cmp < 0) {
                Entry o = a.get(i++);
                out.add(new PathChange(o.path(), ChangeAction.DELETE, o, null));
            } else if (cmp > 0) {
                Entry n = b.get(j++);
                out.add(new PathChange(n.path(), ChangeAction.ADD, null, n));
            } else {
                Entry o = a.get(i++);
                Entry n = b.get(j++);
                out.add(new PathChange(n.path(), classify(o, n), o, n));
            }
        }
        return new ManifestDiff(out);
    }

    /** The action for a path present in both manifests. */
    static ChangeAction classify(Entry o, Entry n) {
        if (o.type() != n.type()) {
            return ChangeAction.TYPE_CHANGE;
        }
        switch (n.type()) {
            case FILE:
                if (!o.sameContent(n)) {
                    return ChangeAction.UPDATE;
                }
                break;
            case SYMLINK:
                if (!o.target().equals(n.target())) {
                    return ChangeAction.UPDATE;
                }
                break;
            default:
                break;
        }
        return o.mode() == n.mode() && o.mtimeNanos() == n.mtimeNanos()
                ? ChangeAction.UNCHANGED : ChangeAction.METADATA;
    }

    /** Every path of either manifest, unchanged ones included, in canonical order. */
    public List<PathChange> all() {
        return changes;
    }

    /** Only the paths that differ. */
    public List<PathChange> changes() {
        List<PathChange> out = new ArrayList<>();
        for (PathChange c : changes) {
            if (c.action() != ChangeAction.UNCHANGED) {
                out.add(c);
            }
        }
        return out;
    }

    public int count(ChangeAction action) {
        return counts.get(action);
    }

    /** Regular files that are new (added, or a directory/symlink that became a file). */
    public int filesAdded() {
        return filesAdded;
    }

    /** Regular files whose content changed. */
    public int filesUpdated() {
        return filesUpdated;
    }

    /** Regular files that are gone (deleted, or replaced by a directory/symlink). */
    public int filesDeleted() {
        return filesDeleted;
    }

    /** True when any path was added, updated, deleted, changed type or metadata. */
    public boolean hasDifferences() {
        return count(ChangeAction.UNCHANGED) != changes.size();
    }
}
