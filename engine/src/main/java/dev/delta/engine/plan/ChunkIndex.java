package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * In-memory map from chunk id to one place that holds it: (file, chunk number) of some
 * manifest. Open addressing over primitive arrays: no object and no boxing per chunk, so two
 * million-chunk manifests index in tens of megabytes.
 *
 * <p>The first place added for an id wins. Files are tagged with the version of the manifest
 * they came from, so a plan can say "copy from release v41, file x, offset y".
 */
public final class ChunkIndex {
    private static final long EMPTY = 0; // stored values are ref + 1, so 0 marks a free slot

    private final List<Entry> files = new ArrayList<>();
    private final List<Long> fileVersions = new ArrayList<>();
    private long[] his;
    private long[] los;
    private long[] vals; // ((fileRef + 1) << 32) | chunkIndex, or EMPTY
    private int mask;
    private int size;

    public ChunkIndex() {
        this(1024);
    }

    public ChunkIndex(int expectedChunks) {
        int cap = Integer.highestOneBit(Math.max(16, expectedChunks) * 2 - 1) << 1;
        his = new long[cap];
        los = new long[cap];
        vals = new long[cap];
        mask = cap - 1;
    }

    /**
     * An index of every chunk of the given manifests, earlier manifests preferred. Sized for the
     * largest of them, not their sum: releases of one dataset share most of their chunks, and five
     * retained releases of an 80,000-file tree sized by the sum took 100 MB of arrays for a
     * quarter of that in distinct ids. It grows if they share less.
     */
    public static ChunkIndex of(Manifest... manifests) {
        long chunks = 0;
        for (Manifest m : manifests) {
            chunks = Math.max(chunks, m.chunkCount());
        }
        ChunkIndex idx = new ChunkIndex((int) Math.min(chunks, 1 << 28));
        for (Manifest m : manifests) {
            idx.addManifest(m);
        }
        return idx;
    }

    /**
     * Adds every chunk of every file of {@code m}, tagged with its version. Only the files that
     * hold a chunk not indexed yet are kept: the index holds no reference to the others, so a
     * manifest decoded only to be indexed leaves behind just the entries it alone has.
     */
    public void addManifest(Manifest m) {
        for (Entry e : m.entries()) {
            if (e.isFile() && !e.chunks().isEmpty()) {
                addFile(e, m.version());
            }
        }
    }

    /**
     * Adds the chunks of one file not indexed yet; the file is registered only if it has one.
     *
     * @return its file reference, or -1 when every chunk of it was indexed already
     */
    public int addFile(Entry file, long version) {
        int ref = -1;
        ChunkList c = file.chunks();
        for (int i = 0; i < c.size(); i++) {
            long hi = c.idHi(i);
            long lo = c.idLo(i);
            if (ref < 0) {
                if (contains(hi, lo)) {
                    continue;
                }
                ref = registerFile(file, version);
            }
            put(hi, lo, ref, i);
        }
        return ref;
    }

    /** Registers a file without indexing its chunks; add them one by one with {@link #addChunk}. */
    public int registerFile(Entry file, long version) {
        files.add(file);
        fileVersions.add(version);
        return files.size() - 1;
    }

    /** Indexes chunk {@code chunk} of the registered file {@code ref}. */
    public void addChunk(int ref, int chunk) {
        ChunkList c = files.get(ref).chunks();
        put(c.idHi(chunk), c.idLo(chunk), ref, chunk);
    }

    private void put(long hi, long lo, int ref, int chunk) {
        if ((size + 1) * 2 > vals.length) {
            grow();
        }
        int slot = slot(hi, lo);
        while (vals[slot] != EMPTY) {
            if (his[slot] == hi && los[slot] == lo) {
                return; // first place wins
            }
            slot = (slot + 1) & mask;
        }
        his[slot] = hi;
        los[slot] = lo;
        vals[slot] = ((long) (ref + 1) << 32) | (chunk & 0xffffffffL);
        size++;
    }

    private int slot(long hi, long lo) {
        // XXH3 output is uniformly distributed already; fold both halves so crafted ids that
        // share a low half do not all collide.
        long h = lo ^ (hi * 0x9E3779B97F4A7C15L);
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oh = his;
        long[] ol = los;
        long[] ov = vals;
        int cap = vals.length * 2;
        his = new long[cap];
        los = new long[cap];
        vals = new long[cap];
        mask = cap - 1;
        for (int i = 0; i < ov.length; i++) {
            if (ov[i] != EMPTY) {
                int slot = slot(oh[i], ol[i]);
                while (vals[slot] != EMPTY) {
                    slot = (slot + 1) & mask;
                }
                his[slot] = oh[i];
                los[slot] = ol[i];
                vals[slot] = ov[i];
            }
        }
    }

    /**
     * Looks an id up.
     *
     * @return a location handle ({@code >= 0}) for {@link #file}, {@link #chunk} and friends, or -1
     */
    public long find(long hi, long lo) {
        int slot = slot(hi, lo);
        long v;
        while ((v = vals[slot]) != EMPTY) {
            if (his[slot] == hi && los[slot] == lo) {
                return v - (1L << 32);
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    public boolean contains(long hi, long lo) {
        return find(hi, lo) >= 0;
    }

    /** The file entry of a location handle. */
    public Entry file(long location) {
        return files.get((int) (location >>> 32));
    }

    /** The version tag of the file of a location handle. */
    public long version(long location) {
        return fileVersions.get((int) (location >>> 32));
    }

    /** The chunk number within its file of a location handle. */
    public int chunk(long location) {
        return (int) location;
    }

    /** Byte offset within its file of a location handle. */
    public long offset(long location) {
        return file(location).chunks().offset(chunk(location));
    }

    /** Number of distinct chunk ids. */
    public int size() {
        return size;
    }

    /** Number of files registered (those a location handle can name). */
    public int fileCount() {
        return files.size();
    }

    /** Number of slots of the open-addressing arrays (three longs each). */
    public int capacity() {
        return vals.length;
    }
}
