package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.MessageType;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.delta.protocol.wire.MessageAssert.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Property: for seeded random messages of every type, decode(encode(m)) == m, however the bytes are split. */
class MessageRoundTripTest {
    private static final int CASES = 200;

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void roundTrip_randomMessages_identity(MessageType type) {
        for (int seed = 0; seed < CASES; seed++) {
            RandomMessages gen = new RandomMessages(seed * 31L + type.code());
            Message m = gen.next(type);
            EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
            try {
                byte[] frame = Codec.encode(m);
                SplittableRandom cuts = new SplittableRandom(seed);
                int cut = frame.length < 2 ? 0 : 1 + cuts.nextInt(frame.length - 1);
                List<Message> out = cut == 0 ? Codec.feed(ch, frame) : Codec.feed(ch, frame, cut);
                assertEquals(1, out.size(), () -> "seed " + " for " + type);
                assertSameMessage(m, out.get(0));
                out.forEach(ReferenceCountUtil::release);
            } finally {
                ReferenceCountUtil.release(m);
                assertFalse(ch.finishAndReleaseAll());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void roundTrip_throughEncoderHandler_identity(MessageType type) {
        EmbeddedChannel enc = new EmbeddedChannel(new MessageEncoder());
        EmbeddedChannel dec = Codec.decoder(Limits.DEFAULT);
        for (int seed = 0; seed < 20; seed++) {
            Message m = new RandomMessages(seed).next(type);
            Message copy = new RandomMessages(seed).next(type);
            enc.writeOutbound(m);
            for (Object o; (o = enc.readOutbound()) != null; ) {
                dec.writeInbound(o);
            }
            Message got = dec.readInbound();
            try {
                assertSameMessage(copy, got);
            } finally {
                ReferenceCountUtil.release(copy);
                ReferenceCountUtil.release(got);
            }
        }
        assertFalse(enc.finishAndReleaseAll());
        assertFalse(dec.finishAndReleaseAll());
    }

    @Test
    void encoderHandler_manyDataFrames_headersCutFromSharedSpace_identityAndNoLeak() {
        EmbeddedChannel enc = new EmbeddedChannel(new MessageEncoder());
        EmbeddedChannel dec = Codec.decoder(Limits.DEFAULT);
        int frames = 3 * MessageEncoder.HEADER_ARENA / FrameLayout.HEADER_SIZE;
        for (int i = 0; i < frames; i++) {
            byte[] content = {(byte) i, (byte) (i >> 8), 7};
            enc.writeOutbound(new Data(i + 1, i % 3 == 0 ? FrameLayout.FLAG_END : 0, i, 1000L * i, 3,
                    Unpooled.wrappedBuffer(content)));
            for (Object o; (o = enc.readOutbound()) != null; ) {
                dec.writeInbound(o);
            }
            Data got = dec.readInbound();
            Data want = new Data(i + 1, i % 3 == 0 ? FrameLayout.FLAG_END : 0, i, 1000L * i, 3,
                    Unpooled.wrappedBuffer(content));
            try {
                assertSameMessage(want, got);
            } finally {
                got.release();
                want.release();
            }
        }
        assertFalse(enc.finishAndReleaseAll());
        assertFalse(dec.finishAndReleaseAll());
    }
}
