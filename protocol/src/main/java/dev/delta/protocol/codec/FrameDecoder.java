package dev.delta.protocol.codec;

import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Cuts the byte stream into frames (see {@link FrameLayout}) and parses each into a
 * {@link dev.delta.protocol.wire.Message}.
 *
 * <pre>
 * BEFORE (18 bytes)                                   AFTER
 * +----------+----+----+----------+--------------+    +------------------+
 * | 0000000e | 60 | 00 | 00000000 | 000..0001    | -> | Ping[nonce=1]    |
 * +----------+----+----+----------+--------------+    +------------------+
 * </pre>
 *
 * A client's reads are gathered without copying (a composite cumulation), so DATA content that
 * arrived in one socket read reaches the application as a view of that read buffer; a server's
 * are merged into one buffer (see {@link #FrameDecoder(Limits, boolean)}).
 *
 * <p>A length field above the limit raises {@link TooLongFrameException} after the announced bytes
 * are skipped, so the stream stays in step; a malformed body raises
 * {@link CorruptedFrameException} after its frame is skipped. A length field below the header
 * size cannot be resynchronised: every buffered byte is dropped.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final Limits limits;
    private final MessageReader reader;
    private long bytesToDiscard;

    /** A decoder enforcing {@code limits}, gathering reads without copying (a client's, for DATA). */
    public FrameDecoder(Limits limits) {
        this(limits, true);
    }

    /**
     * A decoder enforcing {@code limits}; {@code composite}: reads are gathered without copying,
     * which keeps a buffer object per read until its frame is complete (for a client, which reads
     * its authenticated upstream's DATA in large reads); else each read is copied into one buffer,
     * so a partial frame costs its own size whatever the reads (for a server, which any peer can
     * reach before it authenticates).
     */
    public FrameDecoder(Limits limits, boolean composite) {
        this.limits = limits;
        this.reader = new MessageReader(limits);
        setCumulator(composite ? COMPOSITE_CUMULATOR : MERGE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (bytesToDiscard > 0) {
            discard(in);
            return;
        }
        if (in.readableBytes() < FrameLayout.LENGTH_FIELD_SIZE) {
            return;
        }
        int start = in.readerIndex();
        long length = in.getUnsignedInt(start + FrameLayout.LENGTH_OFFSET);
        if (length < FrameLayout.MIN_LENGTH_FIELD) {
            failOnShortLength(in, length);
        }
        if (length > limits.maxFrameLength()) {
            failOnTooLong(in, length);
        }
        long frameSize = FrameLayout.LENGTH_FIELD_SIZE + length;
        if (in.readableBytes() < frameSize) {
            return;
        }
        int type = in.getUnsignedByte(start + FrameLayout.TYPE_OFFSET);
        int flags = in.getUnsignedByte(start + FrameLayout.FLAGS_OFFSET);
        int requestId = in.getInt(start + FrameLayout.REQUEST_ID_OFFSET);
        ByteBuf body = in.slice(start + FrameLayout.BODY_OFFSET, (int) length - FrameLayout.MIN_LENGTH_FIELD);
        in.skipBytes((int) frameSize);
        out.add(reader.read(type, flags, requestId, body));
    }

    private void discard(ByteBuf in) {
        int n = (int) Math.min(bytesToDiscard, in.readableBytes());
        in.skipBytes(n);
        bytesToDiscard -= n;
    }

    private static void failOnShortLength(ByteBuf in, long length) {
        in.skipBytes(in.readableBytes());
        throw new CorruptedFrameException("frame length " + length + " is below the minimum "
                + FrameLayout.MIN_LENGTH_FIELD);
    }

    private void failOnTooLong(ByteBuf in, long length) {
        bytesToDiscard = FrameLayout.LENGTH_FIELD_SIZE + length;
        discard(in);
        throw new TooLongFrameException("frame length " + length + " exceeds limit " + limits.maxFrameLength());
    }

    /** Buffers the bytes of an incomplete frame are held in (1 when merged); for tests. */
    public int bufferedParts() {
        ByteBuf b = internalBuffer();
        return b instanceof io.netty.buffer.CompositeByteBuf c ? c.numComponents() : b.isReadable() ? 1 : 0;
    }
}
