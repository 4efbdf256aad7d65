package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.FrameLayout;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bounds-checked reads from a frame body; every failure is a codec exception naming the field. */
final class BodyReader {
    private final ByteBuf body;
    private final String what;

    BodyReader(ByteBuf body, String what) {
        this.body = body;
        this.what = what;
    }

    ByteBuf buffer() {
        return body;
    }

    private void need(int n, String field) {
        if (body.readableBytes() < n) {
            throw new CorruptedFrameException(what + ": body too short for " + field + " (need " + n
                    + " bytes, have " + body.readableBytes() + ")");
        }
    }

    int u8(String field) {
        need(1, field);
        return body.readUnsignedByte();
    }

    int u16(String field) {
        need(2, field);
        return body.readUnsignedShort();
    }

    long u32(String field) {
        need(4, field);
        return body.readUnsignedInt();
    }

    int u32AsInt(String field, long max) {
        long v = u32(field);
        if (v > max) {
            throw new TooLongFrameException(what + ": " + field + " " + v + " exceeds limit " + max);
        }
        return (int) v;
    }

    /** A u64 that must fit in a signed long (versions, offsets, lengths). */
    long u63(String field) {
        need(8, field);
        long v = body.readLong();
        if (v < 0) {
            throw new CorruptedFrameException(what + ": " + field + " out of range: " + Long.toUnsignedString(v));
        }
        return v;
    }

    long i64(String field) {
        need(8, field);
        return body.readLong();
    }

    Bytes32 bytes32(String field) {
        need(FrameLayout.DIGEST_SIZE, field);
        byte[] b = new byte[FrameLayout.DIGEST_SIZE];
        body.readBytes(b);
        return Bytes32.of(b);
    }

    String string8(String field, int max) {
        return string(field, u8(field + " length"), max);
    }

    String string16(String field, int max) {
        return string(field, u16(field + " length"), max);
    }

    private String string(String field, int length, int max) {
        if (length > max) {
            throw new TooLongFrameException(what + ": " + field + " of " + length + " bytes exceeds limit " + max);
        }
        need(length, field);
        ByteBuffer nio = body.nioBuffer(body.readerIndex(), length);
        body.skipBytes(length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(nio).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptedFrameException(what + ": " + field + " is not valid UTF-8");
        }
    }

    void end() {
        if (body.isReadable()) {
            throw new CorruptedFrameException(what + ": " + body.readableBytes() + " unexpected trailing bytes");
        }
    }
}
