package dev.delta.protocol.wire;

import java.util.List;

/**
 * Asks for byte ranges of one file of one version.
 *
 * <pre>
 * dataset (u8 length + UTF-8) | version u64 | path (u16 length + UTF-8) | count u16 |
 * count x (offset u64, length u32)
 * </pre>
 *
 * DATA frames answer it in range order, each range in ascending contiguous pieces; the last one
 * carries {@link FrameLayout#FLAG_END}.
 */
public record GetRanges(int requestId, String dataset, long version, String path, List<ByteRange> ranges)
        implements Message {
    /** Copies the range list. */
    public GetRanges {
        ranges = List.copyOf(ranges);
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
