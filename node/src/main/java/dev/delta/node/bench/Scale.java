package dev.delta.node.bench;

import java.util.Locale;

/**
 * How big the generated datasets are. {@code FULL} is the size our results have been measured at
 * since the start (about 50,000 source files, 460 MB; 1 GiB big files); {@code SPEC} is the size
 * the node's targets are stated at (80,000 source files, about 1 GB); {@code SMALL} makes a whole
 * run take seconds (smoke tests); {@code MEDIUM} is in between, for a quick look on a laptop.
 *
 * @param textFiles       files in the source-tree-like scenarios
 * @param bigFileBytes    size of the big file in the big-file scenarios
 * @param scatteredEdits  small in-place edits spread through the big file
 * @param settleMillis    how long the machine is left quiet before each measured step (see
 *                        {@link Shell#settle}); none at the small scale, whose steps write too
 *                        little for it to matter
 * @param textBytes       most source files are up to this many bytes long (one in eight up to
 *                        five times as much); 12,000 gives the 9.2 KB average of FULL
 */
public record Scale(String name, int textFiles, long bigFileBytes, int scatteredEdits, long settleMillis,
                    int textBytes) {
    public static final Scale SMALL = new Scale("small", 500, 8L << 20, 40, 0, 12_000);
    public static final Scale MEDIUM = new Scale("medium", 5_000, 128L << 20, 150, 5_000, 12_000);
    public static final Scale FULL = new Scale("full", 50_000, 1L << 30, 300, 5_000, 12_000);
    public static final Scale SPEC = new Scale("spec", 80_000, 1L << 30, 300, 5_000, 16_400);

    /** Parses {@code small}, {@code medium}, {@code full} or {@code spec}. */
    public static Scale parse(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "small":
                return SMALL;
            case "medium":
                return MEDIUM;
            case "full":
                return FULL;
            case "spec":
                return SPEC;
            default:
                throw new IllegalArgumentException("unknown scale '" + s + "' (small, medium, full or spec)");
        }
    }
}
