package dev.delta.protocol.handler;

import java.util.concurrent.atomic.LongAdder;

/** Bytes sent and received on the wire (after TLS, if any), summed over connections. */
public final class WireStats {
    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder flushes = new LongAdder();

    /** Bytes written to sockets so far. */
    public long bytesSent() {
        return sent.sum();
    }

    /** Bytes read from sockets so far. */
    public long bytesReceived() {
        return received.sum();
    }

    /** Flushes that reached the socket so far (each at least one write system call when bytes are pending). */
    public long flushes() {
        return flushes.sum();
    }

    void addFlush() {
        flushes.increment();
    }

    void addSent(long n) {
        sent.add(n);
    }

    void addReceived(long n) {
        received.add(n);
    }
}
