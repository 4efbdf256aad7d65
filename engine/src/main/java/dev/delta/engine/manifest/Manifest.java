package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkerParams;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private volatile Map<String, Entry> byPath;

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
        return byPath().get(path);
    }

    /**
     * Builds the index {@link #get} looks paths up in, if it is not built yet (it is built on
     * first use otherwise): for a caller that wants that cost paid now, off a latency-bound path.
     */
    public Manifest indexPaths() {
        byPath();
        return this;
    }

    private Map<String, Entry> byPath() {
        Map<String, Entry> m = byPath;
        if (m == null) {
            m = new HashMap<>(entries.size() * 2);
            for (Entry e : entries) {
                m.put(e.path(), e);
            }
            byPath = m;
        }
        return m;
    }

    /** Sum of the sizes of all regular files. */
    public long totalBytes() {
        long t = 0;
        for (Entry e : entries) {
            t += e.size();
        }
        return t;
    }

    /** Number of chunk references (not unique chunks). */
    public long chunkCount() {
        long t = 0;
        for (Entry e : entries) {
            t += e.chunks().size();
        }
        return t;
    }

    public long fileCount() {
        return entries.stream().filter(Entry::isFile).count();
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
