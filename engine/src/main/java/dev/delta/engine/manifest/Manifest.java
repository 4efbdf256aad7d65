package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkerParams;
import net.openhft.hashing.LongHashFunction;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One version of a dataset: who it belongs to, where it comes from, how it was chunked, and
 * every path in it, sorted in {@link ManifestPath#ORDER} with no duplicates. Immutable.
 *
 * <p>Its identity is the <em>root digest</em>: SHA-256 of its canonical binary encoding
 * ({@link ManifestCodec}).
 */
public final class Manifest {
    /** Dataset names: 1–128 of {@code [A-Za-z0-9._-]}, not starting with '.'. */
    public static final int MAX_DATASET_LENGTH = 128;

    private final String dataset;
    private final long version;
    private final long parentVersion;
    private final long createdMillis;
    private final ChunkerParams chunker;
    private final List<Entry> entries;
    private volatile int[] pathIndex;
    private volatile Totals totals;

    /**
     * Sums over every entry, made in one pass on first use and kept (the manifest is immutable):
     * a pass over 100,000 entries reads each from memory far from the others, 10-40 ms each time.
     */
    private record Totals(long bytes, long chunks, long files, long symlinks) {
        static final Totals NONE = new Totals(0, 0, 0, 0);

        /** These totals with {@code entries} counted in ({@code sign} 1) or out (-1). */
        Totals plus(List<Entry> entries, int sign) {
            long b = bytes;
            long c = chunks;
            long f = files;
            long l = symlinks;
            for (Entry e : entries) {
                b += sign * e.size();
                c += sign * e.chunks().size();
                f += e.isFile() ? sign : 0;
                l += e.isSymlink() ? sign : 0;
            }
            return new Totals(b, c, f, l);
        }
    }

    /**
     * @param dataset       dataset name
     * @param version       version number, 1 or more
     * @param parentVersion the version this one was derived from, or 0 for none
     * @param createdMillis creation time, milliseconds since the epoch
     * @param chunker       chunker parameters used for every file
     * @param entries       entries in any order; sorted here, duplicates rejected
     */
    public Manifest(String dataset, long version, long parentVersion, long createdMillis, ChunkerParams chunker,
                    List<Entry> entries) {
        this(dataset, version, parentVersion, createdMillis, chunker, entries, false);
    }

    /**
     * @param ordered the caller guarantees {@code entries} are strictly in canonical order (the
     *                decoder checks it entry by entry; a merge of two manifests keeps it): no check
     */
    Manifest(String dataset, long version, long parentVersion, long createdMillis, ChunkerParams chunker,
             List<Entry> entries, boolean ordered) {
        this.dataset = validateDataset(dataset);
        validateVersions(version, parentVersion);
        this.version = version;
        this.parentVersion = parentVersion;
        this.createdMillis = createdMillis;
        this.chunker = Objects.requireNonNull(chunker, "chunker");
        List<Entry> sorted = new ArrayList<>(entries);
        if (!ordered && !strictlyOrdered(sorted)) { // scanners and decoders already deliver canonical order: skip the sort
            sorted.sort((a, b) -> ManifestPath.compare(a.path(), b.path()));
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i).path().equals(sorted.get(i - 1).path())) {
                    throw new IllegalArgumentException("duplicate path " + ManifestPath.quote(sorted.get(i).path()));
                }
            }
        }
        this.entries = Collections.unmodifiableList(sorted);
    }

    /**
     * A manifest whose ordered {@code entries} are {@code base}'s but {@code removed}, plus
     * {@code added} (a merge): its totals are {@code base}'s adjusted, with no pass over the rest.
     */
    static Manifest merged(String dataset, long version, long parentVersion, long createdMillis,
                           ChunkerParams chunker, List<Entry> entries, Manifest base, List<Entry> removed,
                           List<Entry> added) {
        Manifest m = new Manifest(dataset, version, parentVersion, createdMillis, chunker, entries, true);
        m.totals = base.totals().plus(removed, -1).plus(added, 1);
        return m;
    }

    private static boolean strictlyOrdered(List<Entry> list) {
        for (int i = 1; i < list.size(); i++) {
            if (ManifestPath.compare(list.get(i - 1).path(), list.get(i).path()) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** Checks a version (1 or more) and its parent (0 for none, else below the version). */
    public static void validateVersions(long version, long parentVersion) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more, got " + version);
        }
        if (parentVersion < 0 || parentVersion >= version) {
            throw new IllegalArgumentException("parent version must be 0 (none) or below version " + version
                    + ", got " + parentVersion);
        }
    }

    /** Whether {@link #validateDataset} accepts {@code name}. */
    public static boolean isValidDataset(String name) {
        try {
            validateDataset(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String validateDataset(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_DATASET_LENGTH) {
            throw new IllegalArgumentException("dataset name must be 1 to " + MAX_DATASET_LENGTH + " characters, got "
                    + ManifestPath.quote(name));
        }
        if (name.charAt(0) == '.') {
            throw new IllegalArgumentException("dataset name must not start with '.': " + ManifestPath.quote(name));
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("dataset name may use only letters, digits, '.', '_' and '-': "
                        + ManifestPath.quote(name));
            }
        }
        return name;
    }

    public String dataset() {
        return dataset;
    }

    public long version() {
        return version;
    }

    /** The version this one was derived from, or 0. */
    public long parentVersion() {
        return parentVersion;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public ChunkerParams chunker() {
        return chunker;
    }

    /** Entries in canonical order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry at {@code path}, or null. */
    public Entry get(String path) {
        int i = indexOf(path);
        return i < 0 ? null : entries.get(i);
    }

    /** The index of {@code path} in {@link #entries()}, or -1. */
    public int indexOf(String path) {
        int[] table = pathIndex();
        int mask = table.length - 1;
        for (int slot = slot(path, mask); ; slot = (slot + 1) & mask) {
            int i = table[slot] - 1;
            if (i < 0 || entries.get(i).path().equals(path)) {
                return i;
            }
        }
    }

    /**
     * Builds the index {@link #get} looks paths up in and the totals ({@link #totalBytes} and the
     * like), where not built yet (they are built on first use otherwise): for a caller that wants
     * that cost paid now, off a latency-bound path.
     */
    public Manifest indexPaths() {
        pathIndex();
        totals();
        return this;
    }

    /**
     * Paths are hashed with a seed drawn per process, so no manifest can be made to collide. Drawn
     * on the first index from the kernel's random source: a {@code SecureRandom} took 70-90 ms
     * to set up in a fresh JVM, a cost every short command would have paid.
     */
    private static final class PathHash {
        static final LongHashFunction FUNCTION = LongHashFunction.xx3(seed());

        private static long seed() {
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("/dev/urandom"))) {
                byte[] b = in.readNBytes(Long.BYTES);
                if (b.length == Long.BYTES) {
                    return java.nio.ByteBuffer.wrap(b).getLong();
                }
            } catch (java.io.IOException | RuntimeException noDevice) {
                // not a Unix system: the slower way below
            }
            return new java.security.SecureRandom().nextLong();
        }
    }

    private static int slot(String path, int mask) {
        return (int) PathHash.FUNCTION.hashChars(path) & mask;
    }

    /**
     * An open-addressing table of entry indexes (plus one; 0 is empty) by path, at most half full:
     * 1 MB for 100,000 entries, where a {@code HashMap} of them took over 4 MB of a 256 MB heap.
     */
    private int[] pathIndex() {
        int[] t = pathIndex;
        if (t == null) {
            t = new int[Math.max(16, Integer.highestOneBit(Math.max(1, entries.size())) << 2)];
            int mask = t.length - 1;
            for (int i = 0; i < entries.size(); i++) {
                int slot = slot(entries.get(i).path(), mask);
                while (t[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                t[slot] = i + 1;
            }
            pathIndex = t;
        }
        return t;
    }

    private Totals totals() {
        Totals t = totals;
        if (t == null) {
            t = Totals.NONE.plus(entries, 1);
            totals = t;
        }
        return t;
    }

    /** Sum of the sizes of all regular files. */
    public long totalBytes() {
        return totals().bytes();
    }

    /** Number of chunk references (not unique chunks). */
    public long chunkCount() {
        return totals().chunks();
    }

    public long fileCount() {
        return totals().files();
    }

    /** Number of symlink entries. */
    public long symlinkCount() {
        return totals().symlinks();
    }

    /** The same content as a new version (for republishing and tests). */
    public Manifest withVersion(long newVersion, long newParent, long newCreatedMillis) {
        return new Manifest(dataset, newVersion, newParent, newCreatedMillis, chunker, entries);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Manifest)) {
            return false;
        }
        Manifest m = (Manifest) o;
        return version == m.version && parentVersion == m.parentVersion && createdMillis == m.createdMillis
                && dataset.equals(m.dataset) && chunker.equals(m.chunker) && entries.equals(m.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, version, parentVersion, createdMillis, chunker, entries.size());
    }

    @Override
    public String toString() {
        return "Manifest[" + dataset + " v" + version + ", " + entries.size() + " entries]";
    }
}
