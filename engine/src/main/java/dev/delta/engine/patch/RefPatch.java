package dev.delta.engine.patch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A piece of a new file written as edits against a <em>reference</em>: bytes the receiver already
 * holds (the same region of its older copy of the file). A point edit inside a 4 KiB chunk then
 * costs the changed bytes and a few bytes of copy instructions instead of the whole chunk.
 *
 * <p>Stream format, a sequence of
 * <pre>
 *   varint literal length L | L literal bytes | varint copy length C | (if C &gt; 0) zigzag varint
 *   copy delta D
 * </pre>
 * Each sequence appends its literal bytes, then {@code C} bytes of the reference starting at
 * {@code previous copy end + D} (the previous copy end starts at 0). Varints are unsigned LEB128
 * of at most 5 bytes. The stream ends exactly where the output reaches the piece's length; a
 * sequence that appends nothing, an instruction that overruns the output or the reference, and
 * bytes left over are all errors. The receiver knows the output length from the frame it came in.
 *
 * <p>The encoder is greedy: it indexes every {@link #STRIDE}th position of the reference by a hash
 * of the 8 bytes there, and at each position of the target looks for a match of at least
 * {@link #MIN_MATCH} bytes, extended both ways. Indexing a quarter of the positions still finds
 * every match of {@code MIN_MATCH + STRIDE - 1} bytes or more (some aligned position inside it
 * has 8 bytes to spare), and the backward extension recovers its true start. It is not an optimal diff, but edits in text or in a tar are long
 * runs of equal bytes with short changes, which it finds exactly. An {@link Encoder} keeps its
 * index between pieces that share a reference and is not thread-safe.
 */
public final class RefPatch {
    /** Shortest copy worth an instruction: a copy costs up to ~7 bytes, and short matches in text are common words. */
    public static final int MIN_MATCH = 16;
    /** Reference positions indexed: one in this many. */
    public static final int STRIDE = 4;
    private static final int MAX_VARINT = 5;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private RefPatch() {
    }

    /** Reusable encoder state: the index of one reference at a time. */
    public static final class Encoder {
        private static final int MAX_BITS = 18;
        private int[] table = new int[1 << 10];
        private int bits = 10;
        private byte[] ref = new byte[0];
        private int refLen;
        /**
         * The table holds {@code base + position + 1} for the current reference, so entries left
         * by earlier references (all at most {@code base}) read as empty without clearing the
         * table for each one: for windows of a few KiB, clearing cost about as much as indexing.
         */
        private int base;
        /** The base of the next reference: past every entry of this one. */
        private int nextBase;

        /**
         * Indexes {@code ref[0, len)} (the array is kept, not copied: leave it unchanged while
         * encoding against it).
         */
        public Encoder reference(byte[] ref, int len) {
            if (len < 0 || len > ref.length) {
                throw new IllegalArgumentException("reference length " + len + " of a " + ref.length + "-byte array");
            }
            this.ref = ref;
            this.refLen = len;
            int want = 10;
            while (want < MAX_BITS && (1 << want) < 2 * (len / STRIDE)) {
                want++;
            }
            if (nextBase > Integer.MAX_VALUE - 1 - len) {
                java.util.Arrays.fill(table, 0); // the bases ran out: start again from 0
                nextBase = 0;
            }
            if (table.length < (1 << want)) {
                table = new int[1 << want];
            }
            bits = want;
            base = nextBase;
            nextBase = base + len + 1;
            int b = base + 1;
            for (int i = 0; i + 8 <= len; i += STRIDE) {
                table[hash((long) LONG_LE.get(ref, i))] = b + i; // later positions win: nearer the end
            }
            return this;
        }

        /** Length of the indexed reference. */
        public int referenceLength() {
            return refLen;
        }

        private int hash(long v) {
            return (int) ((v * 0x9E3779B97F4A7C15L) >>> (64 - bits));
        }

        /**
         * Encodes {@code target[off, off + len)} against the indexed reference into {@code out}.
         *
         * @return the stream's length, or -1 when it would not be shorter than {@code len} bytes
         *         (then the piece is better sent as it is); {@code out} needs room for {@code len}
         *         bytes
         */
        public int encode(byte[] target, int off, int len, byte[] out) {
            if (out.length < len) {
                throw new IllegalArgumentException("output of " + out.length + " bytes for a " + len + "-byte piece");
            }
            int end = off + len;
            int o = 0;
            int lit = off;          // start of the literal run not yet written
            int prevCopyEnd = 0;    // in the reference
            int i = off;
            int b = base + 1;       // table entry of reference position 0; below it: none
            while (i + 8 <= end && refLen >= MIN_MATCH) {
                int cand = table[hash((long) LONG_LE.get(target, i))] - b;
                if (cand < 0 || (long) LONG_LE.get(target, i) != (long) LONG_LE.get(ref, cand)) {
                    i++;
                    continue;
                }
                int fwd = 8 + common(target, i + 8, end, ref, cand + 8, refLen);
                int back = 0;
                while (i - back > lit && cand - back > 0 && target[i - back - 1] == ref[cand - back - 1]) {
                    back++;
                }
                int matchLen = fwd + back;
                if (matchLen < MIN_MATCH) {
                    i++;
                    continue;
                }
                int start = i - back;
                int refStart = cand - back;
                o = sequence(target, lit, start - lit, matchLen, refStart - prevCopyEnd, out, o, len);
                if (o < 0) {
                    return -1;
                }
                prevCopyEnd = refStart + matchLen;
                i = start + matchLen;
                lit = i;
            }
            if (lit < end || o == 0) {
                o = sequence(target, lit, end - lit, 0, 0, out, o, len);
            }
            return o < 0 || o >= len ? -1 : o;
        }

        /** Length of the common prefix of {@code a[af, at)} and {@code b[bf, bt)}. */
        private static int common(byte[] a, int af, int at, byte[] b, int bf, int bt) {
            int m = java.util.Arrays.mismatch(a, af, at, b, bf, bt);
            return m >= 0 ? m : at - af;
        }

        /** Writes one sequence; returns the new output position, or -1 once the stream would reach {@code limit}. */
        private static int sequence(byte[] src, int litOff, int litLen, int copyLen, int delta, byte[] out, int o,
                                    int limit) {
            if (o + litLen + 3 * MAX_VARINT >= limit) {
                return -1;
            }
            o = putVarint(out, o, litLen);
            System.arraycopy(src, litOff, out, o, litLen);
            o += litLen;
            o = putVarint(out, o, copyLen);
            if (copyLen > 0) {
                o = putVarint(out, o, (delta << 1) ^ (delta >> 31));
            }
            return o;
        }
    }

    private static int putVarint(byte[] out, int o, int v) {
        while ((v & ~0x7f) != 0) {
            out[o++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[o++] = (byte) v;
        return o;
    }

    /**
     * Applies {@code patch} (from its position to its limit) against {@code ref} (from its
     * position to its limit), writing exactly {@code outLen} bytes to {@code out} at its position.
     * Neither input buffer's position moves; {@code out}'s advances by {@code outLen}.
     *
     * @throws PatchFormatException when the stream is malformed or does not produce exactly
     *                              {@code outLen} bytes; {@code out} then holds garbage
     */
    public static void apply(ByteBuffer patch, ByteBuffer ref, ByteBuffer out, int outLen) throws PatchFormatException {
        if (outLen < 0 || out.remaining() < outLen) {
            throw new PatchFormatException("output of " + out.remaining() + " bytes for a " + outLen + "-byte piece");
        }
        int p = patch.position();
        int pEnd = patch.limit();
        int r0 = ref.position();
        int refLen = ref.remaining();
        int written = 0;
        long prevCopyEnd = 0;
        while (written < outLen) {
            int seqStart = p;
            long litLen = varint(patch, p, pEnd);
            p += (int) (litLen >>> 32);
            litLen &= 0xffffffffL;
            if (litLen > outLen - written || litLen > pEnd - p) {
                throw new PatchFormatException("literal of " + litLen + " bytes at patch offset " + seqStart
                        + " overruns the piece or the patch");
            }
            out.put(out.position(), patch, p, (int) litLen); // absolute: no slice per instruction
            out.position(out.position() + (int) litLen);
            p += (int) litLen;
            written += (int) litLen;
            long copyLen = varint(patch, p, pEnd);
            p += (int) (copyLen >>> 32);
            copyLen &= 0xffffffffL;
            if (copyLen > 0) {
                long z = varint(patch, p, pEnd);
                p += (int) (z >>> 32);
                z &= 0xffffffffL;
                long delta = (z >>> 1) ^ -(z & 1);
                long from = prevCopyEnd + delta;
                if (copyLen > outLen - written || from < 0 || from + copyLen > refLen) {
                    throw new PatchFormatException("copy of " + copyLen + " bytes from reference offset " + from
                            + " (patch offset " + seqStart + ") overruns the piece or the " + refLen
                            + "-byte reference");
                }
                out.put(out.position(), ref, r0 + (int) from, (int) copyLen);
                out.position(out.position() + (int) copyLen);
                written += (int) copyLen;
                prevCopyEnd = from + copyLen;
            } else if (litLen == 0) {
                throw new PatchFormatException("empty instruction at patch offset " + seqStart);
            }
        }
        if (p != pEnd) {
            throw new PatchFormatException((pEnd - p) + " bytes left in the patch after the " + outLen
                    + "-byte piece was complete");
        }
    }

    /** Reads an unsigned LEB128 varint of at most 32 bits at {@code p}: value in the low 32 bits, its length above. */
    private static long varint(ByteBuffer b, int p, int end) throws PatchFormatException {
        long v = 0;
        for (int n = 0; n < MAX_VARINT; n++) {
            if (p + n >= end) {
                throw new PatchFormatException("patch ends inside a number at offset " + p);
            }
            int x = b.get(p + n) & 0xff;
            v |= (long) (x & 0x7f) << (7 * n);
            if ((x & 0x80) == 0) {
                if (v > 0xffffffffL) {
                    throw new PatchFormatException("number over 32 bits at patch offset " + p);
                }
                return v | ((long) (n + 1) << 32);
            }
        }
        throw new PatchFormatException("number longer than " + MAX_VARINT + " bytes at patch offset " + p);
    }
}
