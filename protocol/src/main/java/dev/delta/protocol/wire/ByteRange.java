package dev.delta.protocol.wire;

/**
 * A byte range of a file: {@code [offset, offset + length)}.
 *
 * @param offset first byte, at least 0
 * @param length byte count, at least 1 and at most {@code 2^32 - 1}
 */
public record ByteRange(long offset, long length) {
    /** Largest range length (u32 on the wire). */
    public static final long MAX_LENGTH = 0xffff_ffffL;

    /** Validates bounds. */
    public ByteRange {
        if (offset < 0 || length < 1 || length > MAX_LENGTH || offset + length < 0) {
            throw new IllegalArgumentException("invalid range offset=" + offset + " length=" + length);
        }
    }

    /** One past the last byte. */
    public long end() {
        return offset + length;
    }
}
