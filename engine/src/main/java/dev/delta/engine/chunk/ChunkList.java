package dev.delta.engine.chunk;

import dev.delta.engine.hash.ChunkId;

import java.util.Arrays;

/**
 * The ordered chunks of one file: (length, id) pairs, with offsets derived.
 *
 * <p>Stored as parallel primitive arrays (24 bytes a chunk, no object per chunk), so a
 * manifest of a million chunks costs tens of megabytes, not hundreds. Immutable once built.
 */
public final class ChunkList {
    public static final ChunkList EMPTY = new ChunkList(new long[0], new long[0], new long[0], 0);

    private final long[] ends; // ends[i] = offset of the byte after chunk i
    private final long[] his;
    private final long[] los;
    private final int size;

    private ChunkList(long[] ends, long[] his, long[] los, int size) {
        this.ends = ends;
        this.his = his;
        this.los = los;
        this.size = size;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Total bytes covered: the file's size. */
    public long totalLength() {
        return size == 0 ? 0 : ends[size - 1];
    }

    public long offset(int i) {
        check(i);
        return i == 0 ? 0 : ends[i - 1];
    }

    /**
     * The index of the chunk that starts at {@code offset}.
     *
     * @throws IllegalArgumentException when no chunk starts there
     */
    public int indexAt(long offset) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long o = mid == 0 ? 0 : ends[mid - 1];
            if (o == offset) {
                return mid;
            }
            if (o < offset) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        throw new IllegalArgumentException("no chunk starts at offset " + offset);
    }

    public int length(int i) {
        check(i);
        return (int) (ends[i] - (i == 0 ? 0 : ends[i - 1]));
    }

    public long idHi(int i) {
        check(i);
        return his[i];
    }

    public long idLo(int i) {
        check(i);
        return los[i];
    }

    public ChunkId id(int i) {
        check(i);
        return ChunkId.of(his[i], los[i]);
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("chunk " + i + " of " + size);
        }
    }

    /**
     * Copies this list into {@code dst} from {@code off} as three columns of {@link #size()}
     * longs: chunk ends (offset of the byte after each chunk), id highs, id lows. The inverse of
     * {@link #fromColumns}; three array copies, no per-chunk work.
     */
    public void copyColumns(long[] dst, int off) {
        System.arraycopy(ends, 0, dst, off, size);
        System.arraycopy(his, 0, dst, off + size, size);
        System.arraycopy(los, 0, dst, off + 2 * size, size);
    }

    /**
     * A list of {@code count} chunks read from {@link #copyColumns}' layout in {@code src} at
     * {@code off}, or null unless the ends rise strictly from above zero to {@code totalLength}
     * (every chunk non-empty, covering exactly that many bytes).
     */
    public static ChunkList fromColumns(long[] src, int off, int count, long totalLength) {
        if (count < 0 || off < 0 || (long) off + 3L * count > src.length) {
            return null;
        }
        if (count == 0) {
            return totalLength == 0 ? EMPTY : null;
        }
        long prev = 0;
        for (int i = off, end = off + count; i < end; i++) {
            long e = src[i];
            if (e <= prev || e - prev > Integer.MAX_VALUE) {
                return null;
            }
            prev = e;
        }
        if (prev != totalLength) {
            return null;
        }
        return new ChunkList(Arrays.copyOfRange(src, off, off + count),
                Arrays.copyOfRange(src, off + count, off + 2 * count),
                Arrays.copyOfRange(src, off + 2 * count, off + 3 * count), count);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChunkList)) {
            return false;
        }
        ChunkList c = (ChunkList) o;
        return size == c.size
                && Arrays.equals(ends, 0, size, c.ends, 0, size)
                && Arrays.equals(his, 0, size, c.his, 0, size)
                && Arrays.equals(los, 0, size, c.los, 0, size);
    }

    @Override
    public int hashCode() {
        int h = size;
        for (int i = 0; i < size; i++) {
            h = 31 * h + Long.hashCode(ends[i] ^ his[i] ^ los[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        return "ChunkList[" + size + " chunks, " + totalLength() + " bytes]";
    }

    public static Builder builder() {
        return new Builder(16);
    }

    public static Builder builder(int expectedChunks) {
        return new Builder(expectedChunks);
    }

    /** Appends chunks in file order; amortized O(1), no object per chunk. */
    public static final class Builder {
        private long[] ends;
        private long[] his;
        private long[] los;
        private int size;

        private Builder(int capacity) {
            int c = Math.max(1, capacity);
            ends = new long[c];
            his = new long[c];
            los = new long[c];
        }

        public Builder add(int length, long idHi, long idLo) {
            if (length <= 0) {
                throw new IllegalArgumentException("chunk length must be positive, got " + length);
            }
            if (size == ends.length) {
                int c = size + Math.max(16, size >> 1);
                ends = Arrays.copyOf(ends, c);
                his = Arrays.copyOf(his, c);
                los = Arrays.copyOf(los, c);
            }
            long start = size == 0 ? 0 : ends[size - 1];
            ends[size] = start + length;
            his[size] = idHi;
            los[size] = idLo;
            size++;
            return this;
        }

        public Builder add(int length, ChunkId id) {
            return add(length, id.hi(), id.lo());
        }

        /**
         * Appends chunks {@code [from, from + count)} of {@code src}, in order: two array copies
         * and one pass over the ends, no per-chunk call.
         */
        public Builder addRange(ChunkList src, int from, int count) {
            java.util.Objects.checkFromIndexSize(from, count, src.size);
            if (count == 0) {
                return this;
            }
            int need = size + count;
            if (need < 0) {
                throw new IllegalArgumentException("too many chunks: " + size + " + " + count);
            }
            if (need > ends.length) {
                int c = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, (long) size + Math.max(16, size >> 1)));
                ends = Arrays.copyOf(ends, c);
                his = Arrays.copyOf(his, c);
                los = Arrays.copyOf(los, c);
            }
            long shift = (size == 0 ? 0 : ends[size - 1]) - (from == 0 ? 0 : src.ends[from - 1]);
            for (int k = 0; k < count; k++) {
                ends[size + k] = src.ends[from + k] + shift;
            }
            System.arraycopy(src.his, from, his, size, count);
            System.arraycopy(src.los, from, los, size, count);
            size = need;
            return this;
        }

        public int size() {
            return size;
        }

        public long totalLength() {
            return size == 0 ? 0 : ends[size - 1];
        }

        public ChunkList build() {
            if (size == 0) {
                return EMPTY;
            }
            return new ChunkList(Arrays.copyOf(ends, size), Arrays.copyOf(his, size), Arrays.copyOf(los, size), size);
        }
    }
}
