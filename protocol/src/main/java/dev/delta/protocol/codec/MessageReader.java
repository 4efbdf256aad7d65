package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Announce;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Bye;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.ManifestKind;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.MessageType;
import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import dev.delta.protocol.wire.Subscribe;
import dev.delta.protocol.wire.Unsubscribe;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

import java.util.ArrayList;
import java.util.List;

/** Parses one frame body into a {@link Message}, checking every field against {@link Limits}. */
final class MessageReader {
    private final Limits limits;

    MessageReader(Limits limits) {
        this.limits = limits;
    }

    Message read(int typeCode, int flags, int requestId, ByteBuf body) {
        MessageType type = MessageType.fromCode(typeCode);
        if (type == null) {
            throw new CorruptedFrameException(String.format("unknown message type 0x%02x", typeCode));
        }
        checkRequestId(type, requestId);
        if (type != MessageType.DATA && type != MessageType.MANIFEST && type != MessageType.GET_RANGES && flags != 0) {
            throw new CorruptedFrameException(type + ": unexpected flags 0x" + Integer.toHexString(flags));
        }
        BodyReader in = new BodyReader(body, type.name());
        Message m = switch (type) {
            case HELLO -> hello(in);
            case CHALLENGE -> new Challenge(in.u16("version"), in.bytes32("server nonce"),
                    in.u32AsInt("window", Integer.MAX_VALUE));
            case AUTH -> new Auth(in.bytes32("proof"), in.u32AsInt("window", Integer.MAX_VALUE),
                    in.u32AsInt("max data", Integer.MAX_VALUE));
            case HELLO_OK -> new HelloOk(in.bytes32("proof"));
            case SUBSCRIBE -> new Subscribe(requestId, dataset(in));
            case UNSUBSCRIBE -> new Unsubscribe(requestId, dataset(in));
            case ANNOUNCE -> new Announce(requestId, dataset(in), in.u63("version"), in.bytes32("root digest"));
            case GET_MANIFEST -> new GetManifest(requestId, dataset(in), in.u63("version"), in.u63("have version"));
            case GET_RANGES -> getRanges(requestId, flags, in);
            case GET_FILES -> getFiles(requestId, in);
            case CREDIT -> credit(in);
            case ERROR -> new ErrorMessage(requestId, in.u16("code"), // the peer's words end up in logs
                    dev.delta.protocol.wire.PeerText.printable(in.string16("message", Limits.MAX_ERROR_MESSAGE_BYTES)));
            case PING -> new Ping(in.i64("nonce"));
            case PONG -> new Pong(in.i64("nonce"));
            case BYE -> new Bye();
            case DATA -> data(requestId, flags, in);
            case MANIFEST -> manifest(requestId, flags, in);
        };
        if (!(m instanceof Data) && !(m instanceof ManifestPart)) {
            in.end();
        }
        return m;
    }

    private static void checkRequestId(MessageType type, int requestId) {
        if (type.connectionLevel() && requestId != 0) {
            throw new CorruptedFrameException(type + " must carry request id 0, got " + Integer.toUnsignedString(requestId));
        }
        if (!type.connectionLevel() && type != MessageType.ERROR && requestId == 0) {
            throw new CorruptedFrameException(type + " needs a non-zero request id");
        }
    }

    private static String dataset(BodyReader in) {
        String d = in.string8("dataset", Limits.MAX_DATASET_BYTES);
        if (d.isEmpty()) {
            throw new CorruptedFrameException("empty dataset name");
        }
        return d;
    }

    private static Hello hello(BodyReader in) {
        long magic = in.u32("magic");
        if (magic != (FrameLayout.MAGIC & 0xffffffffL)) {
            throw new CorruptedFrameException("HELLO: bad magic 0x" + Long.toHexString(magic));
        }
        return new Hello(in.u16("min version"), in.u16("max version"), in.bytes32("client nonce"),
                in.string8("key id", Limits.MAX_KEY_ID_BYTES));
    }

    private static Credit credit(BodyReader in) {
        long inc = in.u32("increment");
        if (inc == 0) {
            throw new CorruptedFrameException("CREDIT: zero increment");
        }
        return new Credit(inc);
    }

    private GetRanges getRanges(int requestId, int flags, BodyReader in) {
        if ((flags & ~FrameLayout.FLAG_REFERENCED) != 0) {
            throw new CorruptedFrameException("GET_RANGES: unknown flags 0x" + Integer.toHexString(flags));
        }
        String dataset = dataset(in);
        long version = in.u63("version");
        String path = in.string16("path", limits.maxPathBytes());
        int count = in.u16("range count");
        if (count == 0) {
            throw new CorruptedFrameException("GET_RANGES: no ranges");
        }
        if (count > limits.maxRangesPerRequest()) {
            throw new TooLongFrameException("GET_RANGES: " + count + " ranges exceed limit " + limits.maxRangesPerRequest());
        }
        boolean referenced = flags != 0;
        if (referenced ? in.buffer().readableBytes() < count * FrameLayout.RANGE_ENTRY_SIZE
                : in.buffer().readableBytes() != count * FrameLayout.RANGE_ENTRY_SIZE) {
            throw new CorruptedFrameException("GET_RANGES: " + count + " ranges need " + count * FrameLayout.RANGE_ENTRY_SIZE
                    + " bytes, body has " + in.buffer().readableBytes());
        }
        List<ByteRange> ranges = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = in.u63("range offset");
            long length = in.u32("range length");
            if (length == 0 || offset + length < 0) {
                throw new CorruptedFrameException("GET_RANGES: invalid range " + i + " offset=" + offset + " length=" + length);
            }
            ranges.add(new ByteRange(offset, length));
        }
        return new GetRanges(requestId, dataset, version, path, ranges, referenced ? reference(in, count) : null);
    }

    private GetFiles getFiles(int requestId, BodyReader in) {
        String dataset = dataset(in);
        long version = in.u63("version");
        int count = in.u16("file count");
        if (count == 0) {
            throw new CorruptedFrameException("GET_FILES: no files");
        }
        if (count > limits.maxRangesPerRequest()) {
            throw new TooLongFrameException("GET_FILES: " + count + " files exceed limit " + limits.maxRangesPerRequest());
        }
        if (in.buffer().readableBytes() != count * FrameLayout.FILE_ENTRY_SIZE) {
            throw new CorruptedFrameException("GET_FILES: " + count + " files need " + count * FrameLayout.FILE_ENTRY_SIZE
                    + " bytes, body has " + in.buffer().readableBytes());
        }
        int[] files = new int[count];
        for (int i = 0; i < count; i++) {
            files[i] = in.u32AsInt("file index", Integer.MAX_VALUE);
        }
        return new GetFiles(requestId, dataset, version, files);
    }

    private RangeReference reference(BodyReader in, int count) {
        long version = in.u63("reference version");
        if (version == 0) {
            throw new CorruptedFrameException("GET_RANGES: reference version 0");
        }
        String path = in.string16("reference path", limits.maxPathBytes());
        if (in.buffer().readableBytes() != count * FrameLayout.WINDOW_ENTRY_SIZE) {
            throw new CorruptedFrameException("GET_RANGES: " + count + " reference windows need "
                    + count * FrameLayout.WINDOW_ENTRY_SIZE + " bytes, body has " + in.buffer().readableBytes());
        }
        List<RangeReference.Window> windows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = in.u63("window offset");
            long length = in.u32("window length");
            if (length > Limits.MAX_REFERENCE_WINDOW || offset + length < 0) {
                throw new TooLongFrameException("GET_RANGES: reference window " + i + " of " + length
                        + " bytes exceeds " + Limits.MAX_REFERENCE_WINDOW);
            }
            windows.add(new RangeReference.Window(offset, (int) length));
        }
        return new RangeReference(version, path, windows);
    }

    private Data data(int requestId, int flags, BodyReader in) {
        if ((flags & ~(FrameLayout.FLAG_COMPRESSED | FrameLayout.FLAG_END | FrameLayout.FLAG_PATCH)) != 0) {
            throw new CorruptedFrameException("DATA: unknown flags 0x" + Integer.toHexString(flags));
        }
        int rangeIndex = in.u32AsInt("range index", limits.maxRangesPerRequest() - 1);
        long offset = in.u63("offset");
        int rawLength = in.u32AsInt("raw length", limits.maxDataLength());
        ByteBuf content = in.buffer();
        int n = content.readableBytes();
        if (rawLength == 0) {
            throw new CorruptedFrameException("DATA: empty piece");
        }
        if ((flags & FrameLayout.FLAG_PATCH) != 0) {
            // A patch is shorter than the piece (else the piece goes plain); compressed, its length leads.
            if ((flags & FrameLayout.FLAG_COMPRESSED) == 0) {
                if (n == 0 || n >= rawLength) {
                    throw new CorruptedFrameException("DATA: patch of " + n + " bytes for a " + rawLength + "-byte piece");
                }
            } else {
                long patchLength = n < 4 ? -1 : content.getUnsignedInt(content.readerIndex());
                if (patchLength <= 0 || patchLength >= rawLength || n - 4 == 0
                        || n - 4 > Lz4Blocks.maxCompressedLength((int) patchLength)) {
                    throw new CorruptedFrameException("DATA: compressed patch of " + n + " bytes, declared "
                            + patchLength + ", for a " + rawLength + "-byte piece");
                }
            }
        } else if ((flags & FrameLayout.FLAG_COMPRESSED) == 0) {
            if (n != rawLength) {
                throw new CorruptedFrameException("DATA: raw length " + rawLength + " but " + n + " content bytes");
            }
        } else if (n == 0 || n > Lz4Blocks.maxCompressedLength(rawLength)) {
            throw new CorruptedFrameException("DATA: " + n + " compressed bytes cannot hold " + rawLength + " raw bytes");
        }
        return new Data(requestId, flags, rangeIndex, offset, rawLength, content.readRetainedSlice(n));
    }

    private ManifestPart manifest(int requestId, int flags, BodyReader in) {
        if ((flags & ~(FrameLayout.FLAG_FIRST | FrameLayout.FLAG_LAST)) != 0) {
            throw new CorruptedFrameException("MANIFEST: unknown flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & FrameLayout.FLAG_FIRST) == 0) {
            ByteBuf c = in.buffer();
            return ManifestPart.next(requestId, (flags & FrameLayout.FLAG_LAST) != 0, c.readRetainedSlice(c.readableBytes()));
        }
        int kindCode = in.u8("kind");
        ManifestKind kind = ManifestKind.fromCode(kindCode);
        if (kind == null) {
            throw new CorruptedFrameException("MANIFEST: unknown kind " + kindCode);
        }
        long version = in.u63("version");
        long total = in.u63("total length");
        if (total > limits.maxManifestBytes()) {
            throw new TooLongFrameException("MANIFEST: total length " + total + " exceeds limit " + limits.maxManifestBytes());
        }
        var root = in.bytes32("root digest");
        ByteBuf c = in.buffer();
        if (c.readableBytes() > total) {
            throw new CorruptedFrameException("MANIFEST: first part holds more than the declared total " + total);
        }
        return new ManifestPart(requestId, flags, kind, version, total, root, c.readRetainedSlice(c.readableBytes()));
    }
}
