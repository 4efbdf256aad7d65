package dev.delta.protocol.handler;

import java.util.concurrent.atomic.LongAdder;

/** Bytes sent and received on the wire (after TLS, if any), summed over connections. */
public final class WireStats {
    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();

    /** Bytes written to sockets so far. */
    public long bytesSent() {
        return sent.sum();
    }

    /** Bytes read from sockets so far. */
    public long bytesReceived() {
        return received.sum();
    }

    void addSent(long n) {
        sent.add(n);
    }

    void addReceived(long n) {
        received.add(n);
    }
}
