package dev.delta.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A piece of a requested range.
 *
 * <pre>
 * flags: 0x01 COMPRESSED (content is one LZ4 block), 0x02 END (last DATA of the request),
 *        0x04 PATCH (v2: content is a reference patch; with COMPRESSED: patch length u32 + LZ4 block)
 * +------------------+-------------+----------------+-----------------------+
 * | range index u32  | offset u64  | raw length u32 | content ...           |
 * +------------------+-------------+----------------+-----------------------+
 * </pre>
 *
 * The offset is the file offset of the piece's first byte; raw length is the piece's length
 * before compression (equal to the content length when not compressed).
 */
public final class Data extends DefaultByteBufHolder implements Message {
    private final int requestId;
    private final int flags;
    private final int rangeIndex;
    private final long offset;
    private final int rawLength;

    /** Takes ownership of {@code content}. */
    public Data(int requestId, int flags, int rangeIndex, long offset, int rawLength, ByteBuf content) {
        super(content);
        this.requestId = requestId;
        this.flags = flags;
        this.rangeIndex = rangeIndex;
        this.offset = offset;
        this.rawLength = rawLength;
    }

    @Override
    public MessageType type() {
        return MessageType.DATA;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public int flags() {
        return flags;
    }

    /** Index of the range in its GET_RANGES. */
    public int rangeIndex() {
        return rangeIndex;
    }

    /** File offset of the first byte. */
    public long offset() {
        return offset;
    }

    /** Length of the content once decompressed. */
    public int rawLength() {
        return rawLength;
    }

    /** Whether the content is an LZ4 block. */
    public boolean compressed() {
        return (flags & FrameLayout.FLAG_COMPRESSED) != 0;
    }

    /** Whether the content is a reference patch (see {@link FrameLayout#FLAG_PATCH}). */
    public boolean patch() {
        return (flags & FrameLayout.FLAG_PATCH) != 0;
    }

    /** Whether this is the last DATA of its request. */
    public boolean end() {
        return (flags & FrameLayout.FLAG_END) != 0;
    }

    /** Same header, other content (takes ownership of it). */
    @Override
    public Data replace(ByteBuf content) {
        return new Data(requestId, flags, rangeIndex, offset, rawLength, content);
    }

    /** Same header with other flags and content (takes ownership of the content). */
    public Data withContent(int newFlags, ByteBuf newContent) {
        return new Data(requestId, newFlags, rangeIndex, offset, rawLength, newContent);
    }

    @Override
    public String toString() {
        return "Data[requestId=" + requestId + ", flags=" + flags + ", rangeIndex=" + rangeIndex
                + ", offset=" + offset + ", rawLength=" + rawLength + ", content=" + content().readableBytes() + "B]";
    }
}
