package dev.delta.engine.store;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;

import java.util.HashSet;
import java.util.Set;

/**
 * The structural rule a manifest must obey before any byte of it is written to disk: every
 * entry's parent is a directory entry of the same manifest (or the root). Paths are already
 * relative and normalized ({@link ManifestPath}); with this rule no path can lie below a symlink
 * or a file, so — since directories are created by the builder and symlinks only after every
 * write — no write can ever be redirected through a link the manifest created.
 */
public final class TreeCheck {
    private TreeCheck() {
    }

    /** Throws {@link StoreException} naming the first path whose parent is missing or not a directory. */
    public static void requireClosedTree(Manifest m) throws StoreException {
        Set<String> dirs = new HashSet<>();
        for (Entry e : m.entries()) {
            String parent = ManifestPath.parent(e.path());
            if (parent != null && !dirs.contains(parent)) {
                Entry p = m.get(parent);
                String why = p == null ? "its parent directory is not in the manifest"
                        : "its parent is a " + p.type().label() + ", not a directory";
                throw new StoreException("unsafe manifest " + m.dataset() + " v" + m.version() + ": "
                        + ManifestPath.quote(e.path()) + " rejected: " + why);
            }
            if (e.isDir()) {
                dirs.add(e.path());
            }
        }
    }
}
