package dev.delta.protocol.wire;

import io.netty.buffer.ByteBufUtil;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Compares messages by value, including the content of DATA and MANIFEST parts. */
public final class MessageAssert {
    private MessageAssert() {
    }

    /** Fails unless both messages carry the same type, fields and content. */
    public static void assertSameMessage(Message expected, Message actual) {
        assertEquals(describe(expected), describe(actual));
    }

    /** A value description of a message. */
    public static String describe(Message m) {
        if (m instanceof Data d) {
            return d + " " + hex(d);
        }
        if (m instanceof ManifestPart p) {
            return p + " root=" + p.rootDigest() + " " + hex(p);
        }
        return m.toString();
    }

    /** One bulk copy: per-byte reads are slow under paranoid leak detection. */
    private static String hex(io.netty.buffer.ByteBufHolder h) {
        return java.util.HexFormat.of().formatHex(ByteBufUtil.getBytes(h.content()));
    }
}
