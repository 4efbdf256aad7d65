package dev.delta.engine.chunk;

/**
 * FastCDC 2020 written the plain way, one byte per step, straight from the definition: the
 * yardstick that the optimized {@link FastCdc} is compared against, and the source of the gear
 * hash at each cut for the golden vectors.
 *
 * <p>The two-bytes-per-step loop rounds its start, switch and end indices down to even ones;
 * this version applies the same rounding explicitly. The hash it reports at a cut on an even
 * index is the shifted form ({@code h << 1}) that the two-byte loop holds at that point.
 */
final class ReferenceCdc {
    record Cut(int length, long hash) {
    }

    private ReferenceCdc() {
    }

    static Cut cut(ChunkerParams p, byte[] buf, int off, int len) {
        if (len <= p.min()) {
            return new Cut(len, 0);
        }
        int end = Math.min(len, p.max());
        int center = Math.min(end, p.avg());
        long maskS = Gear.mask(p.avgBits() + p.normalization());
        long maskL = Gear.mask(p.avgBits() - p.normalization());
        long h = 0;
        for (int i = p.min() & ~1; i < (end & ~1); i++) {
            h = (h << 1) + Gear.GEAR[buf[off + i] & 0xff];
            long mask = i < (center & ~1) ? maskS : maskL;
            if ((h & mask) == 0) {
                return new Cut(i, (i & 1) == 0 ? h << 1 : h);
            }
        }
        return new Cut(end, h);
    }
}
