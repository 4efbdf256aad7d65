package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;

import java.util.List;

/**
 * Replaces compressed DATA content with its raw bytes. The declared raw length is checked against
 * {@link Limits#maxDataLength()} before the output buffer is allocated, and the block must expand
 * to exactly that length. A compressed patch (version 2) expands to its declared patch length
 * instead, which is below the raw length; the patch itself is applied by the range request, which
 * holds the reference.
 */
public final class DataDecompressor extends MessageToMessageDecoder<Data> {
    private final int maxRawLength;

    /** A decompressor bounded by {@code limits}. */
    public DataDecompressor(Limits limits) {
        super(Data.class);
        this.maxRawLength = limits.maxDataLength();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Data msg, List<Object> out) {
        if (!msg.compressed()) {
            out.add(msg.retain());
            return;
        }
        if (msg.patch()) {
            // length u32, then the patch as one LZ4 block; the reader checked length < raw length
            ByteBuf c = msg.content();
            int patchLength = (int) c.getUnsignedInt(c.readerIndex());
            ByteBuf patch = Lz4Blocks.decompress(ctx.alloc(), c.slice(c.readerIndex() + 4, c.readableBytes() - 4),
                    patchLength, maxRawLength);
            out.add(msg.withContent(msg.flags() & ~FrameLayout.FLAG_COMPRESSED, patch));
            return;
        }
        ByteBuf raw = Lz4Blocks.decompress(ctx.alloc(), msg.content(), msg.rawLength(), maxRawLength);
        out.add(msg.withContent(msg.flags() & ~FrameLayout.FLAG_COMPRESSED, raw));
    }
}
