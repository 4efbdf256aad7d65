package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.MessageType;
import dev.delta.protocol.wire.Samples;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.delta.protocol.wire.MessageAssert.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Each message type against its golden bytes: encoded exactly, decoded whole, byte by byte and split in two. */
class GoldenFramesTest {
    static Stream<String> names() {
        return Samples.all().keySet().stream();
    }

    private static Message sample(String name) {
        Supplier<Message> s = Samples.all().get(name);
        return s.get();
    }

    @Test
    void golden_coversEveryMessageType() throws IOException {
        Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        Map<String, byte[]> golden = Golden.frames();
        assertEquals(Samples.all().keySet(), golden.keySet());
        for (byte[] f : golden.values()) {
            seen.add(MessageType.fromCode(f[4] & 0xff));
        }
        assertEquals(EnumSet.allOf(MessageType.class), seen);
    }

    @ParameterizedTest
    @MethodSource("names")
    void encode_matchesGolden(String name) throws IOException {
        Message m = sample(name);
        try {
            assertEquals(HexFormat.of().formatHex(Golden.frames().get(name)), HexFormat.of().formatHex(Codec.encode(m)));
        } finally {
            ReferenceCountUtil.release(m);
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void decode_whole(String name) throws IOException {
        check(name, new int[0]);
    }

    @ParameterizedTest
    @MethodSource("names")
    void decode_byteByByte(String name) throws IOException {
        byte[] frame = Golden.frames().get(name);
        int[] cuts = new int[frame.length - 1];
        Arrays.setAll(cuts, i -> i + 1);
        check(name, cuts);
    }

    @ParameterizedTest
    @MethodSource("names")
    void decode_splitInTwoAtEveryPosition(String name) throws IOException {
        byte[] frame = Golden.frames().get(name);
        for (int cut = 1; cut < frame.length; cut++) {
            check(name, new int[] {cut});
        }
    }

    @Test
    void decode_allGoldenFramesBackToBack() throws IOException {
        Map<String, byte[]> golden = Golden.frames();
        byte[] all = golden.values().stream().reduce(new byte[0], GoldenFramesTest::concat);
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        List<Message> out = Codec.feed(ch, all, all.length / 3, 2 * all.length / 3);
        assertEquals(golden.size(), out.size());
        int i = 0;
        for (String name : golden.keySet()) {
            expectDecoded(name, out.get(i++));
        }
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void compressedData_decodesToRawBytes() throws IOException {
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        List<Message> out = Codec.feed(ch, Golden.frames().get("DATA_LZ4"));
        Data d = (Data) out.get(0);
        try {
            assertFalse(d.compressed());
            assertEquals("a".repeat(32), d.content().toString(java.nio.charset.StandardCharsets.US_ASCII));
        } finally {
            d.release();
            ch.finishAndReleaseAll();
        }
    }

    private static void check(String name, int[] cuts) throws IOException {
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        List<Message> out = Codec.feed(ch, Golden.frames().get(name), cuts);
        assertEquals(1, out.size(), name + " cut at " + Arrays.toString(cuts));
        expectDecoded(name, out.get(0));
        assertFalse(ch.finishAndReleaseAll());
    }

    /** The decoded form equals the sample; compressed DATA arrives decompressed. */
    private static void expectDecoded(String name, Message got) {
        Message want = sample(name);
        try {
            if (want instanceof Data d && d.compressed()) {
                Data raw = d.withContent(d.flags() & ~0x01, io.netty.buffer.Unpooled.copiedBuffer(
                        "a".repeat(32), java.nio.charset.StandardCharsets.US_ASCII));
                ReferenceCountUtil.release(want);
                want = raw;
            }
            assertSameMessage(want, got);
        } finally {
            ReferenceCountUtil.release(want);
            ReferenceCountUtil.release(got);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
