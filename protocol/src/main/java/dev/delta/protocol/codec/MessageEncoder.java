package dev.delta.protocol.codec;

import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Encodes a {@link Message} into a frame. DATA and MANIFEST content is not copied: the header goes
 * out as one small buffer followed by the content buffer.
 */
@ChannelHandler.Sharable
public final class MessageEncoder extends MessageToMessageEncoder<Message> {
    /** Stateless; one instance serves every channel. */
    public static final MessageEncoder INSTANCE = new MessageEncoder();

    private static final int SMALL_FRAME = 128;

    private MessageEncoder() {
        super(Message.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, List<Object> out) {
        if (msg instanceof ByteBufHolder holder) {
            ByteBuf content = holder.content();
            ByteBuf header = ctx.alloc().buffer(FrameLayout.HEADER_SIZE + FrameLayout.MANIFEST_FIRST_HEADER_SIZE);
            MessageWriter.write(msg, content.readableBytes(), header);
            out.add(header);
            out.add(content.retain());
        } else {
            ByteBuf buf = ctx.alloc().buffer(SMALL_FRAME);
            MessageWriter.write(msg, 0, buf);
            out.add(buf);
        }
    }

    /** Encodes {@code msg} into a new heap buffer, for tests and documentation. */
    public static ByteBuf encodeToBuffer(Message msg, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.heapBuffer(SMALL_FRAME);
        if (msg instanceof ByteBufHolder holder) {
            ByteBuf content = holder.content();
            MessageWriter.write(msg, content.readableBytes(), buf);
            buf.writeBytes(content, content.readerIndex(), content.readableBytes());
        } else {
            MessageWriter.write(msg, 0, buf);
        }
        return buf;
    }
}
