package dev.delta.protocol.wire;

import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** One fixed example of every message type, the ones drawn in docs/protocol.md. */
public final class Samples {
    private Samples() {
    }

    /** 32 bytes counting up from {@code first}. */
    public static Bytes32 counting(int first) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) {
            b[i] = (byte) (first + i);
        }
        return Bytes32.of(b);
    }

    /** 32 copies of one byte. */
    public static Bytes32 repeated(int value) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) value);
        return Bytes32.of(b);
    }

    /** Name to a supplier of a fresh message (DATA and MANIFEST hold buffers). */
    public static Map<String, Supplier<Message>> all() {
        Map<String, Supplier<Message>> m = new LinkedHashMap<>();
        m.put("HELLO", () -> new Hello(1, 1, counting(0x01), "edge-1"));
        m.put("CHALLENGE", () -> new Challenge(1, counting(0x21), 4 * 1024 * 1024));
        m.put("AUTH", () -> new Auth(repeated(0xaa), 4 * 1024 * 1024, 128 * 1024));
        m.put("HELLO_OK", () -> new HelloOk(repeated(0xbb)));
        m.put("SUBSCRIBE", () -> new Subscribe(1, "site"));
        m.put("UNSUBSCRIBE", () -> new Unsubscribe(1, "site"));
        m.put("ANNOUNCE", () -> new Announce(1, "site", 42, repeated(0x5a)));
        m.put("GET_MANIFEST", () -> new GetManifest(2, "site", 42, 41));
        m.put("MANIFEST", () -> new ManifestPart(2, FrameLayout.FLAG_FIRST | FrameLayout.FLAG_LAST, ManifestKind.DELTA,
                42, 5, repeated(0x5a), Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)));
        m.put("MANIFEST_NEXT", () -> ManifestPart.next(2, true, Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)));
        m.put("GET_RANGES", () -> new GetRanges(3, "site", 42, "index.html",
                List.of(new ByteRange(0, 4096), new ByteRange(65536, 100))));
        m.put("GET_RANGES_REF", () -> new GetRanges(3, "site", 43, "index.html",
                List.of(new ByteRange(0, 4096), new ByteRange(65536, 100)),
                new RangeReference(42, "", List.of(new RangeReference.Window(0, 4000), RangeReference.NONE))));
        m.put("GET_FILES", () -> new GetFiles(4, "site", 42, new int[] {7, 8, 12}));
        m.put("DATA", () -> new Data(3, FrameLayout.FLAG_END, 1, 65536, 4,
                Unpooled.copiedBuffer("data", StandardCharsets.US_ASCII)));
        m.put("DATA_LZ4", () -> new Data(3, FrameLayout.FLAG_COMPRESSED, 0, 0, 32,
                Unpooled.wrappedBuffer(new byte[] {0x1f, 0x61, 0x01, 0x00, 0x07, 0x50, 0x61, 0x61, 0x61, 0x61, 0x61})));
        m.put("DATA_PATCH", () -> new Data(3, FrameLayout.FLAG_PATCH | FrameLayout.FLAG_END, 0, 0, 32,
                Unpooled.wrappedBuffer(new byte[] {0x00, 0x20, 0x00})));
        m.put("CREDIT", () -> new Credit(1024 * 1024));
        m.put("ERROR", () -> new ErrorMessage(3, ErrorCode.NOT_FOUND.code(), "no such path"));
        m.put("PING", () -> new Ping(1));
        m.put("PONG", () -> new Pong(1));
        m.put("BYE", Bye::new);
        return m;
    }
}
