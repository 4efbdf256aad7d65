package dev.delta.protocol.codec;

import dev.delta.protocol.wire.Announce;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Bye;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.ManifestKind;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.MessageType;
import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import dev.delta.protocol.wire.Subscribe;
import dev.delta.protocol.wire.Unsubscribe;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded generator of valid messages of a given type, with edge values mixed in. */
final class RandomMessages {
    private final SplittableRandom rnd;

    RandomMessages(long seed) {
        rnd = new SplittableRandom(seed);
    }

    Message next(MessageType type) {
        return switch (type) {
            case HELLO -> new Hello(u16(), u16(), bytes32(), string(255));
            case CHALLENGE -> new Challenge(u16(), bytes32(), rnd.nextInt(Integer.MAX_VALUE));
            case AUTH -> new Auth(bytes32(), rnd.nextInt(Integer.MAX_VALUE), rnd.nextInt(Integer.MAX_VALUE));
            case HELLO_OK -> new HelloOk(bytes32());
            case SUBSCRIBE -> new Subscribe(requestId(), dataset());
            case UNSUBSCRIBE -> new Unsubscribe(requestId(), dataset());
            case ANNOUNCE -> new Announce(requestId(), dataset(), u63(), bytes32());
            case GET_MANIFEST -> new GetManifest(requestId(), dataset(), u63(), u63());
            case MANIFEST -> manifest();
            case GET_RANGES -> getRanges();
            case GET_FILES -> getFiles();
            case DATA -> data();
            case CREDIT -> new Credit(1 + rnd.nextLong(0xffff_ffffL));
            case ERROR -> new ErrorMessage(rnd.nextBoolean() ? 0 : requestId(), u16(), string(ErrorMessage.MAX_MESSAGE_CHARS));
            case PING -> new Ping(rnd.nextLong());
            case PONG -> new Pong(rnd.nextLong());
            case BYE -> new Bye();
        };
    }

    private Message manifest() {
        byte[] content = bytes(rnd.nextInt(0, 2000));
        if (rnd.nextBoolean()) {
            return ManifestPart.next(requestId(), rnd.nextBoolean(), Unpooled.wrappedBuffer(content));
        }
        int flags = FrameLayout.FLAG_FIRST | (rnd.nextBoolean() ? FrameLayout.FLAG_LAST : 0);
        return new ManifestPart(requestId(), flags, rnd.nextBoolean() ? ManifestKind.FULL : ManifestKind.DELTA, u63(),
                content.length + rnd.nextLong(0, 1L << 20), bytes32(), Unpooled.wrappedBuffer(content));
    }

    private Message getRanges() {
        int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 3);
        List<ByteRange> ranges = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ranges.add(new ByteRange(rnd.nextLong(1L << 50), 1 + rnd.nextLong(ByteRange.MAX_LENGTH)));
        }
        RangeReference ref = null;
        if (rnd.nextBoolean()) {
            List<RangeReference.Window> windows = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                windows.add(rnd.nextInt(4) == 0 ? RangeReference.NONE : new RangeReference.Window(
                        rnd.nextLong(1L << 50), rnd.nextInt(Limits.MAX_REFERENCE_WINDOW + 1)));
            }
            ref = new RangeReference(1 + rnd.nextLong(1L << 40), rnd.nextBoolean() ? "" : string(40), windows);
        }
        return new GetRanges(requestId(), dataset(), u63(), string(rnd.nextBoolean() ? 40 : 1300), ranges, ref);
    }

    private Message getFiles() {
        int[] files = new int[1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 4096 : 20)];
        for (int i = 0; i < files.length; i++) {
            files[i] = rnd.nextBoolean() ? rnd.nextInt(100_000) : rnd.nextInt(Integer.MAX_VALUE);
        }
        return new GetFiles(requestId(), dataset(), u63(), files);
    }

    private Message data() {
        int raw = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 128 * 1024);
        int flags = rnd.nextBoolean() ? FrameLayout.FLAG_END : 0;
        if (raw > 1 && rnd.nextInt(4) == 0) { // a patch: shorter than its piece
            return new Data(requestId(), flags | FrameLayout.FLAG_PATCH, rnd.nextInt(4096), u63(), raw,
                    Unpooled.wrappedBuffer(bytes(1 + rnd.nextInt(raw - 1))));
        }
        return new Data(requestId(), flags, rnd.nextInt(4096), u63(), raw, Unpooled.wrappedBuffer(bytes(raw)));
    }

    private int requestId() {
        int id = rnd.nextInt();
        return id == 0 ? 1 : id;
    }

    private int u16() {
        return rnd.nextInt(65536);
    }

    private long u63() {
        return rnd.nextBoolean() ? rnd.nextLong(1000) : rnd.nextLong() & Long.MAX_VALUE;
    }

    private Bytes32 bytes32() {
        return Bytes32.of(bytes(32));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt();
        }
        return b;
    }

    private String dataset() {
        String s = string(85);
        return s.isEmpty() ? "d" : s;
    }

    /** Up to {@code maxChars} code points of mixed width; at most 3 UTF-8 bytes each. */
    private String string(int maxChars) {
        int n = rnd.nextInt(maxChars / 3 + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int pick = rnd.nextInt(4);
            sb.appendCodePoint(switch (pick) {
                case 0 -> 'a' + rnd.nextInt(26);
                case 1 -> 0xe9;
                case 2 -> 0x4e2d;
                default -> '/';
            });
        }
        return sb.toString();
    }
}
