package dev.delta.engine.chunk;

import java.util.Objects;

/**
 * FastCDC 2020 cut-point finder: Gear rolling hash, normalized chunking and cut-point skipping,
 * stepping two bytes per iteration.
 *
 * <p>Stateless once built (one instance per {@link ChunkerParams}, safe to share between
 * threads). {@link #cut} looks at no more than {@code max} bytes, so a streaming caller gets
 * the same boundaries however its input arrives, as long as it calls {@code cut} only when it
 * holds at least {@code max} bytes or has reached the end of its input.
 *
 * <p>Semantics, bit-exact with the FastCDC 2020 reference vectors:
 * <ul>
 *   <li>a remaining input of at most {@code min} bytes is one chunk;</li>
 *   <li>hashing starts at {@code min}, the search stops at {@code min(remaining, max)} and the
 *       small-chunk mask gives way to the large-chunk mask at {@code min(remaining, avg)};</li>
 *   <li>when {@code (h & mask) == 0} after the byte at index {@code i}, the chunk is {@code i}
 *       bytes long (that byte starts the next chunk);</li>
 *   <li>the loop steps two bytes at a time, so each of those three bounds is rounded down to an
 *       even index. With an odd {@code min} a chunk can therefore be {@code min - 1} bytes; with
 *       an odd {@code max} the last byte of a maximal chunk is not hashed.</li>
 * </ul>
 */
public final class FastCdc {
    private final ChunkerParams params;
    private final int min;
    private final int avg;
    private final int max;
    private final long maskS;
    private final long maskL;
    private final long maskSLs;
    private final long maskLLs;

    /** A cut-point finder for the given parameters. */
    public FastCdc(ChunkerParams params) {
        this.params = Objects.requireNonNull(params, "params");
        this.min = params.min();
        this.avg = params.avg();
        this.max = params.max();
        int bits = params.avgBits();
        int nc = params.normalization();
        this.maskS = Gear.mask(bits + nc);
        this.maskL = Gear.mask(bits - nc);
        // The even byte is tested on the hash shifted left by one (see cut), so its mask is too.
        this.maskSLs = maskS << 1;
        this.maskLLs = maskL << 1;
    }

    /** The parameters this finder cuts with. */
    public ChunkerParams params() {
        return params;
    }

    /**
     * Returns the length of the chunk that starts at {@code buf[off]}.
     *
     * <p>Call it with {@code len >= max}, or with everything that is left at the end of the
     * input; a shorter {@code len} in the middle of a stream would force a premature cut.
     *
     * @param buf input bytes
     * @param off where the chunk starts
     * @param len bytes available from {@code off}; must be positive
     * @return the chunk length, in {@code [1, min(len, max)]}
     * @throws IndexOutOfBoundsException if {@code off, len} is not a range of {@code buf}
     * @throws IllegalArgumentException   if {@code len} is zero
     */
    public int cut(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len == 0) {
            throw new IllegalArgumentException("nothing to cut: len is 0");
        }
        if (len <= min) {
            return len;
        }
        int end = Math.min(len, max);
        int center = Math.min(end, avg);
        // Work on absolute indices; the range check above lets the JIT drop the per-byte bounds
        // checks on buf, and the & 0xff index drops those on the 256-entry gear tables.
        int i = off + (min & ~1);
        int c = off + (center & ~1);
        int e = off + (end & ~1);
        long h = 0;
        // Two bytes per step: (h << 2) + GEAR_LS[a] is the hash after byte a, shifted left by one,
        // so it is tested against the shifted mask; adding GEAR[b] then gives the exact hash after
        // byte b. This saves one shift and one loop-condition test per two bytes.
        final long[] gear = Gear.GEAR;
        final long[] gearLs = Gear.GEAR_LS;
        final long ms = maskS;
        final long msLs = maskSLs;
        for (; i < c; i += 2) {
            h = (h << 2) + gearLs[buf[i] & 0xff];
            if ((h & msLs) == 0) {
                return i - off;
            }
            h += gear[buf[i + 1] & 0xff];
            if ((h & ms) == 0) {
                return i + 1 - off;
            }
        }
        final long ml = maskL;
        final long mlLs = maskLLs;
        for (; i < e; i += 2) {
            h = (h << 2) + gearLs[buf[i] & 0xff];
            if ((h & mlLs) == 0) {
                return i - off;
            }
            h += gear[buf[i + 1] & 0xff];
            if ((h & ml) == 0) {
                return i + 1 - off;
            }
        }
        return end;
    }

    @Override
    public String toString() {
        return "FastCdc[" + params + "]";
    }
}
