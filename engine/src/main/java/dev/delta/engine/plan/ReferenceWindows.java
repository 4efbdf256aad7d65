package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;


/**
 * Where in an older copy of a file the bytes of a range to fetch most likely came from, so the
 * range can travel as a patch against them ({@link dev.delta.engine.patch.RefPatch}).
 *
 * <p>Chunks are content-defined, so an edit changes only the chunks around it; the chunks before
 * and after are equal in both versions and anchor the edit. For a range of the new file, the
 * window is the old file's bytes between the nearest anchors on either side: exactly the bytes the
 * edit replaced. Without an anchor on a side the window runs to that end of the old file; a window
 * longer than {@link #MAX_WINDOW} is cut to that length around the range's estimated position.
 */
public final class ReferenceWindows {
    /** Longest window: the receiver holds one per range in progress, the sender indexes it. */
    public static final int MAX_WINDOW = 256 * 1024;
    /** Old copies shorter than this are not worth a reference. */
    static final int MIN_REFERENCE = 32;

    private final ChunkList base;
    private final long baseSize;
    private final ChunkList target;
    /** Per target chunk: index of the equal chunk in the base, or -1. */
    private final int[] match;

    /**
     * @param base   the file's entry in the version the receiver holds (must be a file)
     * @param target the file's entry in the version being fetched (must be a file)
     */
    public ReferenceWindows(Entry base, Entry target) {
        if (!base.isFile() || !target.isFile()) {
            throw new IllegalArgumentException("reference windows need two files: " + base.path() + ", " + target.path());
        }
        this.base = base.chunks();
        this.baseSize = base.size();
        this.target = target.chunks();
        int[] firstByHi = firstByHi(this.base);
        int mask = firstByHi.length - 1;
        match = new int[this.target.size()];
        for (int j = 0; j < match.length; j++) {
            long hi = this.target.idHi(j);
            int i = -1;
            for (int slot = slot(hi, mask); firstByHi[slot] >= 0; slot = (slot + 1) & mask) {
                if (this.base.idHi(firstByHi[slot]) == hi) {
                    i = firstByHi[slot];
                    break;
                }
            }
            match[j] = i >= 0 && this.base.idLo(i) == this.target.idLo(j) && this.base.length(i) == this.target.length(j)
                    ? i : -1;
        }
    }

    /** The index of the base chunk equal to the target's chunk {@code j} (the first such), or -1. */
    int anchor(int j) {
        return match[j];
    }

    /**
     * An open-addressing table of the base's chunk indexes by the high half of their id, the first
     * (lowest) index for each: a file of 100,000 chunks is indexed without boxing a key or value.
     */
    private static int[] firstByHi(ChunkList base) {
        int n = base.size();
        int cap = Integer.highestOneBit(Math.max(2, n) * 2 - 1) << 1; // a power of two, at least 2n
        int[] table = new int[cap];
        java.util.Arrays.fill(table, -1);
        int mask = cap - 1;
        for (int i = 0; i < n; i++) { // in order: a later duplicate finds the first and is skipped
            long hi = base.idHi(i);
            int slot = slot(hi, mask);
            while (table[slot] >= 0 && base.idHi(table[slot]) != hi) {
                slot = (slot + 1) & mask;
            }
            if (table[slot] < 0) {
                table[slot] = i;
            }
        }
        return table;
    }

    private static int slot(long hi, int mask) {
        long h = hi * 0x9E3779B97F4A7C15L; // ids are hashes already; the multiply spreads any pattern
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /**
     * The window for the target's chunks {@code [firstChunk, firstChunk + chunkCount)} as
     * {@code {offset, length}} in the base file, or null when the base has nothing to offer.
     */
    public long[] window(int firstChunk, int chunkCount) {
        if (baseSize < MIN_REFERENCE || firstChunk < 0 || chunkCount <= 0 || firstChunk + chunkCount > match.length) {
            return null;
        }
        long rangeStart = target.offset(firstChunk);
        long rangeLen = target.offset(firstChunk + chunkCount - 1) + target.length(firstChunk + chunkCount - 1)
                - rangeStart;
        long from = 0;
        long anchorEndInTarget = 0;
        for (int j = firstChunk - 1; j >= 0; j--) {
            if (match[j] >= 0) {
                from = base.offset(match[j]) + base.length(match[j]);
                anchorEndInTarget = target.offset(j) + target.length(j);
                break;
            }
        }
        long to = baseSize;
        for (int j = firstChunk + chunkCount; j < match.length; j++) {
            if (match[j] >= 0) {
                to = base.offset(match[j]);
                break;
            }
        }
        if (to <= from) {
            // Anchors out of order (moved content): look where the range would sit after the left anchor.
            to = Math.min(baseSize, from + rangeLen);
            from = Math.max(0, to - rangeLen);
        }
        if (to - from > MAX_WINDOW) {
            long estimate = from + (rangeStart - anchorEndInTarget);
            long start = estimate - (MAX_WINDOW - Math.min(rangeLen, MAX_WINDOW)) / 2;
            start = Math.max(from, Math.min(start, to - MAX_WINDOW));
            from = start;
            to = start + MAX_WINDOW;
        }
        if (to - from < MIN_REFERENCE) {
            return null;
        }
        return new long[] {from, to - from};
    }
}
