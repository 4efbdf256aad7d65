package dev.delta.protocol.codec;

import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Encodes a {@link Message} into a frame. DATA and MANIFEST content is not copied: the header goes
 * out as one small buffer followed by the content buffer. Those headers are cut from a buffer of
 * {@link #HEADER_ARENA} bytes taken from the allocator now and then, not allocated one by one: a
 * transfer writes one header per DATA piece. One instance per channel.
 */
public final class MessageEncoder extends MessageToMessageEncoder<Message> {
    /** Bytes of header space taken from the allocator at a time. */
    static final int HEADER_ARENA = 8 * 1024;
    private static final int SMALL_FRAME = 128;
    private static final int MAX_CONTENT_HEADER = FrameLayout.HEADER_SIZE + FrameLayout.MANIFEST_FIRST_HEADER_SIZE;

    /** Header space being cut into slices; each slice holds a reference until it is written. */
    private ByteBuf arena;

    /** An encoder for one channel. */
    public MessageEncoder() {
        super(Message.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message msg, List<Object> out) {
        if (msg instanceof ByteBufHolder holder) {
            ByteBuf content = holder.content();
            out.add(header(ctx.alloc(), msg, content.readableBytes()));
            out.add(content.retain());
        } else {
            ByteBuf buf = ctx.alloc().buffer(SMALL_FRAME);
            MessageWriter.write(msg, 0, buf);
            out.add(buf);
        }
    }

    private ByteBuf header(ByteBufAllocator alloc, Message msg, int contentLength) {
        if (arena == null || arena.writableBytes() < MAX_CONTENT_HEADER) {
            releaseArena();
            arena = alloc.directBuffer(HEADER_ARENA, HEADER_ARENA);
        }
        int start = arena.writerIndex();
        MessageWriter.write(msg, contentLength, arena);
        return arena.retainedSlice(start, arena.writerIndex() - start);
    }

    private void releaseArena() {
        if (arena != null) {
            arena.release();
            arena = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        releaseArena();
        super.handlerRemoved(ctx);
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
