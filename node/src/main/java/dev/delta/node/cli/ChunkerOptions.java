package dev.delta.node.cli;

import dev.delta.engine.chunk.ChunkerParams;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The chunker flags shared by commands that chunk files; unset flags come from the command's
 * defaults ({@link ChunkerParams#DEFAULT} to build a manifest, {@link ChunkerParams#REPLICATION}
 * to publish).
 */
final class ChunkerOptions {
    @Option(names = "--min", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Minimum chunk size (default: 1KiB for publish, 4KiB for manifest build). Accepts K, KiB, M, MiB.")
    Integer min;

    @Option(names = "--avg", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Average chunk size, a power of two (default: 4KiB for publish, 16KiB for manifest build).")
    Integer avg;

    @Option(names = "--max", paramLabel = "BYTES", converter = SizeConverter.class,
            description = "Maximum chunk size, at most 16MiB (default: 16KiB for publish, 64KiB for manifest build).")
    Integer max;

    @Option(names = "--nc", paramLabel = "LEVEL", description = "FastCDC normalization level 0-3 (default: 2).")
    Integer nc;

    /** The parameters over {@link ChunkerParams#DEFAULT}, or a usage error that says what is wrong. */
    ChunkerParams params(CommandLine cl) {
        return params(cl, ChunkerParams.DEFAULT);
    }

    /** The parameters over {@code d}, or a usage error that says what is wrong. */
    ChunkerParams params(CommandLine cl, ChunkerParams d) {
        try {
            return new ChunkerParams(min != null ? min : d.min(), avg != null ? avg : d.avg(),
                    max != null ? max : d.max(), nc != null ? nc : d.normalization());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "invalid chunker parameters: " + e.getMessage());
        }
    }

    /** Parses sizes such as 4096, 4K, 4KiB, 1M, 1MiB. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String v = value.trim();
            long mult = 1;
            String upper = v.toUpperCase(java.util.Locale.ROOT);
            for (String[] s : new String[][]{{"KIB", "1024"}, {"MIB", "1048576"}, {"KB", "1024"}, {"MB", "1048576"},
                    {"K", "1024"}, {"M", "1048576"}, {"B", "1"}}) {
                if (upper.endsWith(s[0])) {
                    mult = Long.parseLong(s[1]);
                    v = v.substring(0, v.length() - s[0].length()).trim();
                    break;
                }
            }
            try {
                long n = Long.parseLong(v) * mult;
                if (n <= 0 || n > Integer.MAX_VALUE) {
                    throw new CommandLine.TypeConversionException("size out of range: '" + value + "'");
                }
                return (int) n;
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a size: '" + value + "' (try 4096, 4K or 1MiB)");
            }
        }
    }
}
