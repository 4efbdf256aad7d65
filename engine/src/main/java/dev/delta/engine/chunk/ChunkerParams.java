package dev.delta.engine.chunk;

/**
 * FastCDC parameters: minimum, average (a power of two) and maximum chunk size, and the
 * normalization level (0–3). Recorded in every manifest, since chunk boundaries depend on them.
 *
 * @param min           smallest chunk (except a file's last)
 * @param avg           target average; a power of two
 * @param max           largest chunk
 * @param normalization FastCDC normalization level NC, 0 to 3
 */
public record ChunkerParams(int min, int avg, int max, int normalization) {
    public static final int MIN_ALLOWED = 64;
    public static final int MAX_ALLOWED = 16 * 1024 * 1024;

    /** The defaults, in one place: 4 KiB / 16 KiB / 64 KiB, NC 2, for manifests built to inspect a tree. */
    public static final ChunkerParams DEFAULT = new ChunkerParams(4 * 1024, 16 * 1024, 64 * 1024, 2);

    /**
     * The defaults for replication (what {@code delta publish} and a node chunk with): 1 KiB /
     * 4 KiB / 16 KiB, NC 2. Measured on real updates of a 4,500-file source tree, loose and as one
     * tar, an edge fetches 27–45% fewer bytes (manifest delta included) than at a 16 KiB average,
     * for a full manifest about 25% larger; a 2 KiB average saves a little more on loose files but
     * doubles the chunk count again and loses on the tar. Why, with the numbers: docs/node.md.
     */
    public static final ChunkerParams REPLICATION = new ChunkerParams(1024, 4 * 1024, 16 * 1024, 2);

    public ChunkerParams {
        validate(min, avg, max, normalization);
    }

    /** Checks the parameters and says what is wrong with them. */
    public static void validate(int min, int avg, int max, int normalization) {
        if (min < MIN_ALLOWED) {
            throw new IllegalArgumentException("min chunk size " + min + " is below " + MIN_ALLOWED + " bytes");
        }
        if (max > MAX_ALLOWED) {
            throw new IllegalArgumentException("max chunk size " + max + " is above " + MAX_ALLOWED + " bytes (16 MiB)");
        }
        if (!(min < avg && avg < max)) {
            throw new IllegalArgumentException("chunk sizes must satisfy min < avg < max, got min " + min
                    + ", avg " + avg + ", max " + max);
        }
        if (Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("average chunk size must be a power of two, got " + avg);
        }
        if (normalization < 0 || normalization > 3) {
            throw new IllegalArgumentException("normalization level must be 0 to 3, got " + normalization);
        }
        int bits = Integer.numberOfTrailingZeros(avg);
        if (bits - normalization < 5 || bits + normalization > 25) {
            throw new IllegalArgumentException("average chunk size " + avg + " with normalization level "
                    + normalization + " is out of FastCDC's mask range (2^(log2(avg) +/- nc) must lie in 32 B .. 32 MiB)");
        }
    }

    /** log2 of {@link #avg()}. */
    public int avgBits() {
        return Integer.numberOfTrailingZeros(avg);
    }

    @Override
    public String toString() {
        return "min " + min + ", avg " + avg + ", max " + max + ", nc " + normalization;
    }
}
