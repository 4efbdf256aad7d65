package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Announce;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import dev.delta.protocol.wire.Subscribe;
import dev.delta.protocol.wire.Unsubscribe;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;

/** Writes frame headers and bodies; the inverse of {@link MessageReader}. */
final class MessageWriter {
    private MessageWriter() {
    }

    /**
     * Writes the header and body of {@code m}, excluding the content of DATA and MANIFEST, whose
     * length is {@code contentLength} and which the caller appends.
     */
    static void write(Message m, int contentLength, ByteBuf out) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeByte(m.type().code());
        out.writeByte(m.flags());
        out.writeInt(m.requestId());
        body(m, out);
        int length = out.writerIndex() - start - FrameLayout.LENGTH_FIELD_SIZE + contentLength;
        out.setInt(start, length);
    }

    private static void body(Message m, ByteBuf out) {
        if (m instanceof Hello h) {
            out.writeInt(FrameLayout.MAGIC);
            out.writeShort(h.minVersion());
            out.writeShort(h.maxVersion());
            bytes32(h.clientNonce(), out);
            string8(h.keyId(), out);
        } else if (m instanceof Challenge c) {
            out.writeShort(c.version());
            bytes32(c.serverNonce(), out);
            out.writeInt(c.window());
        } else if (m instanceof Auth a) {
            bytes32(a.proof(), out);
            out.writeInt(a.window());
            out.writeInt(a.maxData());
        } else if (m instanceof HelloOk h) {
            bytes32(h.proof(), out);
        } else if (m instanceof Subscribe s) {
            string8(s.dataset(), out);
        } else if (m instanceof Unsubscribe u) {
            string8(u.dataset(), out);
        } else if (m instanceof Announce a) {
            string8(a.dataset(), out);
            out.writeLong(a.version());
            bytes32(a.rootDigest(), out);
        } else if (m instanceof GetManifest g) {
            string8(g.dataset(), out);
            out.writeLong(g.version());
            out.writeLong(g.haveVersion());
        } else if (m instanceof GetRanges g) {
            getRanges(g, out);
        } else if (m instanceof GetFiles g) {
            string8(g.dataset(), out);
            out.writeLong(g.version());
            out.writeShort(g.count());
            for (int i = 0; i < g.count(); i++) {
                out.writeInt(g.file(i));
            }
        } else if (m instanceof Credit c) {
            out.writeInt((int) c.increment());
        } else if (m instanceof ErrorMessage e) {
            out.writeShort(e.code());
            string16(e.message(), out);
        } else if (m instanceof Ping p) {
            out.writeLong(p.nonce());
        } else if (m instanceof Pong p) {
            out.writeLong(p.nonce());
        } else if (m instanceof Data d) {
            out.writeInt(d.rangeIndex());
            out.writeLong(d.offset());
            out.writeInt(d.rawLength());
        } else if (m instanceof ManifestPart p && p.first()) {
            out.writeByte(p.kind().code());
            out.writeLong(p.version());
            out.writeLong(p.totalLength());
            bytes32(p.rootDigest(), out);
        }
    }

    private static void getRanges(GetRanges g, ByteBuf out) {
        string8(g.dataset(), out);
        out.writeLong(g.version());
        string16(g.path(), out);
        out.writeShort(g.ranges().size());
        for (ByteRange r : g.ranges()) {
            out.writeLong(r.offset());
            out.writeInt((int) r.length());
        }
        RangeReference ref = g.reference();
        if (ref != null) {
            out.writeLong(ref.version());
            string16(ref.path(), out);
            for (RangeReference.Window w : ref.windows()) {
                out.writeLong(w.offset());
                out.writeInt(w.length());
            }
        }
    }

    private static void bytes32(Bytes32 b, ByteBuf out) {
        out.writeBytes(b.toArray());
    }

    private static void string8(String s, ByteBuf out) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 255) {
            throw new IllegalArgumentException("string longer than 255 UTF-8 bytes: " + s);
        }
        out.writeByte(b.length);
        out.writeBytes(b);
    }

    private static void string16(String s, ByteBuf out) {
        int n = ByteBufUtil.utf8Bytes(s);
        if (n > 65535) {
            throw new IllegalArgumentException("string longer than 65535 UTF-8 bytes");
        }
        out.writeShort(n);
        out.writeCharSequence(s, StandardCharsets.UTF_8);
    }
}
