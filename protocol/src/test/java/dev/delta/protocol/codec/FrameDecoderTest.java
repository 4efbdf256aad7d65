package dev.delta.protocol.codec;

import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.Ping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad frames raise the codec's own exceptions with clear messages, and the stream recovers where it can. */
class FrameDecoderTest {
    private static final Limits SMALL = new Limits(4096, 8192, 8, 64, 1 << 20);
    private static final byte[] PING = Codec.encode(new Ping(7));

    private static DecoderException decodeFails(EmbeddedChannel ch, byte[] bytes) {
        return assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(bytes)));
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void tooLongFrame_isSkipped_thenNextFrameDecodes() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        byte[] big = new byte[4 + 5000];
        Unpooled.wrappedBuffer(big).setInt(0, 5000);
        DecoderException e = decodeFails(ch, java.util.Arrays.copyOf(big, 100));
        assertInstanceOf(TooLongFrameException.class, e);
        assertTrue(e.getMessage().contains("5000 exceeds limit 4096"), e.getMessage());
        ch.writeInbound(Unpooled.wrappedBuffer(big, 100, big.length - 100));
        List<Message> out = Codec.feed(ch, PING);
        assertEquals(List.of(new Ping(7)), out);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void lengthBelowHeader_isCorrupted() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("00000005 60 00 00000000"));
        assertInstanceOf(CorruptedFrameException.class, e);
        assertTrue(e.getMessage().contains("below the minimum 6"), e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void unknownType_isCorrupted_andNextFrameDecodes() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("00000006 7f 00 00000000"));
        assertEquals("unknown message type 0x7f", e.getMessage());
        assertEquals(List.of(new Ping(7)), Codec.feed(ch, PING));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void connectionLevelMessage_withRequestId_isCorrupted() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("0000000e 60 00 00000001 0000000000000007"));
        assertTrue(e.getMessage().contains("PING must carry request id 0"), e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void truncatedBody_namesTheField() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("0000000a 60 00 00000000 00000007"));
        assertEquals("PING: body too short for nonce (need 8 bytes, have 4)", e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void trailingBytes_areCorrupted() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("00000007 70 00 00000000 ff"));
        assertEquals("BYE: 1 unexpected trailing bytes", e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void invalidUtf8_isCorrupted() {
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, hex("00000009 10 00 00000001 02 c328"));
        assertEquals("SUBSCRIBE: dataset is not valid UTF-8", e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void tooManyRanges_isTooLong() {
        List<ByteRange> ranges = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            ranges.add(new ByteRange(i * 10L, 10));
        }
        byte[] frame = Codec.encode(new GetRanges(1, "d", 1, "p", ranges));
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, frame);
        assertInstanceOf(TooLongFrameException.class, e);
        assertEquals("GET_RANGES: 9 ranges exceed limit 8", e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rangeCountDisagreeingWithBody_isCorrupted() {
        byte[] frame = Codec.encode(new GetRanges(1, "d", 1, "p", List.of(new ByteRange(0, 1), new ByteRange(5, 1))));
        frame[frame.length - 2 * FrameLayout.RANGE_ENTRY_SIZE - 1] = 3;
        EmbeddedChannel ch = Codec.decoder(SMALL);
        assertTrue(decodeFails(ch, frame).getMessage().contains("3 ranges need 36 bytes, body has 24"));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void dataRawLengthOverLimit_isTooLong_beforeAllocating() {
        ByteBuf content = Unpooled.wrappedBuffer(new byte[] {0x1f, 0x61, 0x01, 0x00, 0x07, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61});
        byte[] frame = Codec.encode(new Data(1, FrameLayout.FLAG_COMPRESSED, 0, 0, 1 << 30, content));
        content.release();
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, frame);
        assertInstanceOf(TooLongFrameException.class, e);
        assertEquals("DATA: raw length 1073741824 exceeds limit 8192", e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void dataWhoseBlockExpandsToAnotherLength_isCorrupted() {
        ByteBuf content = Unpooled.wrappedBuffer(new byte[] {0x1f, 0x61, 0x01, 0x00, 0x07, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61});
        byte[] frame = Codec.encode(new Data(1, FrameLayout.FLAG_COMPRESSED, 0, 0, 33, content));
        content.release();
        EmbeddedChannel ch = Codec.decoder(SMALL);
        DecoderException e = decodeFails(ch, frame);
        assertInstanceOf(CorruptedFrameException.class, e);
        assertTrue(e.getMessage().contains("LZ4"), e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rawDataWithWrongLength_isCorrupted() {
        byte[] frame = Codec.encode(new Data(1, 0, 0, 0, 4, Unpooled.wrappedBuffer(new byte[4])));
        frame[frame.length - 5] = 5;
        EmbeddedChannel ch = Codec.decoder(SMALL);
        assertEquals("DATA: raw length 5 but 4 content bytes", decodeFails(ch, frame).getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void referenceWindowOverTheLimit_isTooLong() {
        // GET_RANGES_REF with window 0 of 0x00100001 bytes (one over 1 MiB)
        byte[] frame = hex("0000005b 30 01 00000003 04 73697465 000000000000002b 000a 696e6465782e68746d6c 0002"
                + " 0000000000000000 00001000 0000000000010000 00000064 000000000000002a 0000"
                + " 0000000000000000 00100001 0000000000000000 00000000");
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        DecoderException e = decodeFails(ch, frame);
        assertInstanceOf(TooLongFrameException.class, e);
        assertTrue(e.getMessage().contains("reference window 0 of 1048577 bytes"), e.getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void referenceWithTooFewWindows_isCorrupted() {
        byte[] frame = hex("0000004f 30 01 00000003 04 73697465 000000000000002b 000a 696e6465782e68746d6c 0002"
                + " 0000000000000000 00001000 0000000000010000 00000064 000000000000002a 0000"
                + " 0000000000000000 00000fa0");
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        assertEquals("GET_RANGES: 2 reference windows need 24 bytes, body has 12", decodeFails(ch, frame).getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void unknownGetRangesFlag_isCorrupted() {
        byte[] frame = hex("00000039 30 02 00000003 04 73697465 000000000000002a 000a 696e6465782e68746d6c 0002"
                + " 0000000000000000 00001000 0000000000010000 00000064");
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        assertEquals("GET_RANGES: unknown flags 0x2", decodeFails(ch, frame).getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void patchNotShorterThanItsPiece_isCorrupted() {
        // PATCH | END, raw length 3, content 3 bytes: a patch is always shorter than its piece
        byte[] frame = hex("00000019 31 06 00000003 00000000 0000000000000000 00000003 002000");
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        assertEquals("DATA: patch of 3 bytes for a 3-byte piece", decodeFails(ch, frame).getMessage());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void compressedPatchDeclaringTooMuch_isCorrupted() {
        // PATCH | COMPRESSED, raw length 32, declared patch length 32 (must be below)
        byte[] frame = hex("0000001f 31 05 00000003 00000000 0000000000000000 00000020 00000020 1f61010007");
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        assertTrue(decodeFails(ch, frame).getMessage().startsWith("DATA: compressed patch of 9 bytes, declared 32"));
        assertFalse(ch.finishAndReleaseAll());
    }
}
