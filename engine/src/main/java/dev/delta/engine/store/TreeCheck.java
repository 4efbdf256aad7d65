package dev.delta.engine.store;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;

import java.util.Arrays;
import java.util.List;

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
        // Canonical order lists every directory's subtree right after it ('/' sorts first), so the
        // directories that enclose an entry are exactly those on a stack kept along the way: no
        // parent path is cut out and no set of 100,000 strings hashed.
        List<Entry> entries = m.entries();
        String[] open = new String[16];
        int depth = 0;
        for (Entry e : entries) {
            String path = e.path();
            int slash = path.lastIndexOf('/');
            while (depth > 0 && !encloses(open[depth - 1], path)) {
                depth--;
            }
            if (slash >= 0 && (depth == 0 || open[depth - 1].length() != slash)) {
                String parent = path.substring(0, slash);
                Entry p = m.get(parent);
                String why = p == null ? "its parent directory is not in the manifest"
                        : "its parent is a " + p.type().label() + ", not a directory";
                throw new StoreException("unsafe manifest " + m.dataset() + " v" + m.version() + ": "
                        + ManifestPath.quote(path) + " rejected: " + why);
            }
            if (e.isDir()) {
                if (depth == open.length) {
                    open = Arrays.copyOf(open, depth * 2);
                }
                open[depth++] = path;
            }
        }
    }

    /** Whether {@code path} lies below the directory {@code dir}. */
    private static boolean encloses(String dir, String path) {
        return path.length() > dir.length() && path.charAt(dir.length()) == '/' && path.startsWith(dir);
    }
}
