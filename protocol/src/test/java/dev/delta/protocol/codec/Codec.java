package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;

/** Test helpers: a decoding channel and feeding bytes to it in pieces. */
public final class Codec {
    private Codec() {
    }

    /** A channel with the full inbound codec: frames then LZ4. */
    public static EmbeddedChannel decoder(Limits limits) {
        return new EmbeddedChannel(new FrameDecoder(limits), new DataDecompressor(limits));
    }

    /** Encodes to a fresh array. */
    public static byte[] encode(Message m) {
        ByteBuf b = MessageEncoder.encodeToBuffer(m, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        try {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    /** Feeds {@code bytes} cut at the given ascending positions; returns what came out. */
    public static List<Message> feed(EmbeddedChannel ch, byte[] bytes, int... cuts) {
        int from = 0;
        for (int cut : cuts) {
            ch.writeInbound(Unpooled.copiedBuffer(bytes, from, cut - from));
            from = cut;
        }
        ch.writeInbound(Unpooled.copiedBuffer(bytes, from, bytes.length - from));
        List<Message> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add((Message) o);
        }
        return out;
    }
}
