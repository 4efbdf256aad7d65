package dev.delta.protocol.server;

import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/** A response being streamed: produces its flow-controlled frames one at a time. */
abstract class OutboundJob {
    private final int requestId;

    OutboundJob(int requestId) {
        this.requestId = requestId;
    }

    final int requestId() {
        return requestId;
    }

    /** The next frame (DATA or MANIFEST); only called while {@link #done()} is false. */
    abstract Message next(ByteBufAllocator alloc) throws IOException, DatasetException;

    /** Whether the last frame has been produced. */
    abstract boolean done();

    /** Releases the source. */
    abstract void close();
}
