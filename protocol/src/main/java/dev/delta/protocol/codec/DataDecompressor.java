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
 * to exactly that length.
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
        ByteBuf raw = Lz4Blocks.decompress(ctx.alloc(), msg.content(), msg.rawLength(), maxRawLength);
        out.add(msg.withContent(msg.flags() & ~FrameLayout.FLAG_COMPRESSED, raw));
    }
}
