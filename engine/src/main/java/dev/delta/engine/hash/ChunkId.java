package dev.delta.engine.hash;

import net.openhft.hashing.LongTupleHashFunction;


/**
 * The identity of a chunk: XXH3-128 of its bytes, as a 16-byte value.
 *
 * <p>Fast enough for the hot path (~10 GB/s), but not collision-resistant
 * against a hostile peer: trust comes from the file's SHA-256 and from
 * authenticating the manifest, never from chunk ids alone.
 *
 * <p>Byte form and hex form are big-endian: {@code hi} first, then {@code lo}.
 */
public final class ChunkId implements Comparable<ChunkId> {
    /** Length of the byte form. */
    public static final int BYTES = 16;

    private static final LongTupleHashFunction XX128 = LongTupleHashFunction.xx128();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static {
        // Profile priming. XXH3 takes a different path for 0-16, 17-128, 129-240 and longer
        // inputs. A scan hashes the biggest files first, so the optimizing compiler saw only
        // long inputs, then threw its code away (and compiled again, 4 times per run, ~1 s of
        // CPU) as the small files' short last chunks arrived. A few hashes of every length class
        // here put them all in the profile from the start.
        byte[] b = new byte[512];
        long[] out = new long[2];
        for (int i = 0; i < 64; i++) {
            for (int len : new int[]{0, 2, 7, 16, 40, 128, 200, 240, 300, 512}) {
                XX128.hashBytes(b, 0, len, out);
            }
        }
    }

    private static final boolean HASHES_DIRECT_BUFFERS = probeDirect();

    /**
     * Whether chunk ids can be computed straight from a direct buffer in this JVM: the hashing
     * library reads one through {@code sun.nio.ch.DirectBuffer}, which needs
     * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the launcher passes it, as do the
     * tests' JVMs); a JVM started without it fails every such hash with an
     * {@link IllegalAccessError}. Callers that choose where bytes land (an edge's range buffers)
     * keep them on the heap then.
     */
    public static boolean hashesDirectBuffers() {
        return HASHES_DIRECT_BUFFERS;
    }

    private static boolean probeDirect() {
        try {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(16);
            long[] out = new long[2];
            XX128.hashBytes(b, 0, 16, out);
            long[] heap = XX128.hashBytes(new byte[16]);
            return out[0] == heap[0] && out[1] == heap[1];
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    private final long hi;
    private final long lo;

    private ChunkId(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    public static ChunkId of(long hi, long lo) {
        return new ChunkId(hi, lo);
    }

    /** Hashes {@code len} bytes of {@code buf} from {@code off}. */
    public static ChunkId hash(byte[] buf, int off, int len) {
        long[] r = XX128.hashBytes(buf, off, len);
        return new ChunkId(r[1], r[0]);
    }

    /**
     * Hashes into {@code out} ({@code out[0]} = hi, {@code out[1]} = lo) without allocating;
     * for loops that hash millions of chunks.
     */
    public static void hashInto(byte[] buf, int off, int len, long[] out) {
        XX128.hashBytes(buf, off, len, out); // zero-allocation-hashing: [0] = low 64 bits, [1] = high
        long low = out[0];
        out[0] = out[1];
        out[1] = low;
    }

    /** Reads the 16-byte big-endian form. */
    public static ChunkId fromBytes(byte[] b, int off) {
        return new ChunkId(readLong(b, off), readLong(b, off + 8));
    }

    /** Parses 32 hex digits. */
    public static ChunkId fromHex(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("chunk id must be 32 hex digits, got " + hex.length() + ": '" + hex + "'");
        }
        try {
            return new ChunkId(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                    Long.parseUnsignedLong(hex.substring(16), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("chunk id is not hex: '" + hex + "'", e);
        }
    }

    public long hi() {
        return hi;
    }

    public long lo() {
        return lo;
    }

    public void writeTo(byte[] b, int off) {
        writeLong(b, off, hi);
        writeLong(b, off + 8, lo);
    }

    public byte[] toBytes() {
        byte[] b = new byte[BYTES];
        writeTo(b, 0);
        return b;
    }

    public String toHex() {
        return hex(hi, lo);
    }

    /** Hex form of an id given as two longs, without creating a {@code ChunkId}. */
    public static String hex(long hi, long lo) {
        char[] c = new char[32];
        for (int i = 0; i < 16; i++) {
            c[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            c[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(c);
    }

    static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    static void writeLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    @Override
    public int compareTo(ChunkId o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId && ((ChunkId) o).hi == hi && ((ChunkId) o).lo == lo;
    }

    @Override
    public int hashCode() {
        return (int) (lo ^ (lo >>> 32));
    }

    @Override
    public String toString() {
        return toHex();
    }
}
