package dev.delta.protocol.server;

import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/** Streams a {@link ManifestStream} as MANIFEST parts; the first carries the header. */
final class ManifestJob extends OutboundJob {
    private final ManifestStream stream;
    private final int maxPart;
    private long sent;
    private boolean first = true;
    private boolean done;

    ManifestJob(int requestId, ManifestStream stream, int maxPart) {
        super(requestId);
        this.stream = stream;
        this.maxPart = maxPart;
    }

    @Override
    Message next(ByteBufAllocator alloc) throws IOException, DatasetException {
        int len = (int) Math.min(maxPart, stream.length() - sent);
        ByteBuf part = alloc.buffer(len, len);
        try {
            while (part.writableBytes() > 0) {
                if (part.writeBytes(stream.content(), part.writableBytes()) < 0) {
                    throw new DatasetException(ErrorCode.INTERNAL, "manifest stream ended at " + (sent
                            + part.readableBytes()) + " of a declared " + stream.length() + " bytes");
                }
            }
        } catch (IOException | DatasetException | RuntimeException e) {
            part.release();
            throw e;
        }
        sent += len;
        done = sent == stream.length();
        int flags = (first ? FrameLayout.FLAG_FIRST : 0) | (done ? FrameLayout.FLAG_LAST : 0);
        boolean wasFirst = first;
        first = false;
        if (!wasFirst) {
            return ManifestPart.next(requestId(), done, part);
        }
        return new ManifestPart(requestId(), flags, stream.kind(), stream.version(), stream.length(),
                stream.rootDigest(), part);
    }

    @Override
    boolean done() {
        return done;
    }

    @Override
    void close() {
        try {
            stream.close();
        } catch (IOException ignored) {
            // the stream is abandoned either way
        }
    }
}
