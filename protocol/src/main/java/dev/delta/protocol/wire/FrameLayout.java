package dev.delta.protocol.wire;

/**
 * Offsets and sizes of the frame header. Every integer on the wire is big-endian and unsigned.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     length (u32): 6 + body                    |
 * +---------------+---------------+-------------------------------+
 * |   type (u8)   |  flags (u8)   |     request id (u32) ...      |
 * +---------------+---------------+-------------------------------+
 * |   ... request id (cont.)      |          body ...             |
 * +-------------------------------+-------------------------------+
 * </pre>
 *
 * The length counts the bytes after the length field itself, so a frame with an empty body has
 * length 6 and occupies 10 bytes. Worked example, a {@code PING} with nonce 1 and request id 0:
 * {@code 00 00 00 0e 60 00 00 00 00 00 00 00 00 00 00 00 00 01}.
 */
public final class FrameLayout {
    /** Offset of the u32 length field. */
    public static final int LENGTH_OFFSET = 0;
    /** Size of the length field. */
    public static final int LENGTH_FIELD_SIZE = 4;
    /** Offset of the u8 message type. */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the u8 flags. */
    public static final int FLAGS_OFFSET = 5;
    /** Offset of the u32 request id. */
    public static final int REQUEST_ID_OFFSET = 6;
    /** Offset of the body; also the size of the whole header. */
    public static final int BODY_OFFSET = 10;
    /** Header size in bytes (length, type, flags, request id). */
    public static final int HEADER_SIZE = BODY_OFFSET;
    /** Smallest legal value of the length field: type, flags and request id with an empty body. */
    public static final int MIN_LENGTH_FIELD = HEADER_SIZE - LENGTH_FIELD_SIZE;

    /** {@code HELLO} body starts with these four bytes, ASCII "DLTA". */
    public static final int MAGIC = 0x444c5441;
    /** Size of nonces, HMAC proofs and root digests. */
    public static final int DIGEST_SIZE = 32;

    /** DATA flag: the content is one LZ4 block. */
    public static final int FLAG_COMPRESSED = 0x01;
    /** DATA flag: the last DATA frame of its request. */
    public static final int FLAG_END = 0x02;
    /**
     * DATA flag (version 2): the content is a reference patch against the range's window. With
     * {@link #FLAG_COMPRESSED} too, the content is the patch's length u32 and the patch as one LZ4
     * block.
     */
    public static final int FLAG_PATCH = 0x04;
    /** GET_RANGES flag (version 2): a reference (version, path, one window per range) follows the ranges. */
    public static final int FLAG_REFERENCED = 0x01;
    /** MANIFEST flag: first part, carries the part header. */
    public static final int FLAG_FIRST = 0x01;
    /** MANIFEST flag: last part of the stream. */
    public static final int FLAG_LAST = 0x02;

    /** Size of the DATA body header: range index u32, offset u64, raw length u32. */
    public static final int DATA_HEADER_SIZE = 4 + 8 + 4;
    /** Size of the first MANIFEST part header: kind u8, version u64, total length u64, root digest. */
    public static final int MANIFEST_FIRST_HEADER_SIZE = 1 + 8 + 8 + DIGEST_SIZE;
    /** Size of one GET_RANGES entry: offset u64, length u32. */
    public static final int RANGE_ENTRY_SIZE = 8 + 4;
    /** Size of one GET_FILES entry: file index u32. */
    public static final int FILE_ENTRY_SIZE = 4;
    /** Size of one reference window of a GET_RANGES: offset u64, length u32. */
    public static final int WINDOW_ENTRY_SIZE = 8 + 4;

    private FrameLayout() {
    }
}
