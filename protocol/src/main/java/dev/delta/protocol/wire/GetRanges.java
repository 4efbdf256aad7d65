package dev.delta.protocol.wire;

import java.util.List;

/**
 * Asks for byte ranges of one file of one version.
 *
 * <pre>
 * dataset (u8 length + UTF-8) | version u64 | path (u16 length + UTF-8) | count u16 |
 * count x (offset u64, length u32) [ | with REFERENCED (v2): {@link RangeReference} ]
 * </pre>
 *
 * DATA frames answer it in range order, each range in ascending contiguous pieces; the last one
 * carries {@link FrameLayout#FLAG_END}.
 */
public record GetRanges(int requestId, String dataset, long version, String path, List<ByteRange> ranges,
                        RangeReference reference) implements Message {
    /** Copies the range list; a reference must name one window per range. */
    public GetRanges {
        ranges = List.copyOf(ranges);
        if (reference != null && reference.windows().size() != ranges.size()) {
            throw new IllegalArgumentException(reference.windows().size() + " reference windows for " + ranges.size()
                    + " ranges");
        }
    }

    /** Without a reference (as in protocol version 1). */
    public GetRanges(int requestId, String dataset, long version, String path, List<ByteRange> ranges) {
        this(requestId, dataset, version, path, ranges, null);
    }

    @Override
    public int flags() {
        return reference == null ? 0 : FrameLayout.FLAG_REFERENCED;
    }

    @Override
    public MessageType type() {
        return MessageType.GET_RANGES;
    }

    /** Sum of the range lengths. */
    public long totalLength() {
        long sum = 0;
        for (ByteRange r : ranges) {
            sum += r.length();
        }
        return sum;
    }
}
