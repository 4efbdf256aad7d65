package dev.delta.protocol.server;

import org.slf4j.Logger;

import java.time.Duration;

/**
 * At most {@code lines} log lines of one kind per {@code period}; the rest are counted and the
 * count is logged when the next period begins. A peer that fails its handshake thousands of
 * times a second, or a flood of connections over the limit, then costs the log a few lines, not
 * hundreds of kilobytes a second, and the operator still sees that it happened.
 */
final class LogBudget {
    private final int lines;
    private final long periodNanos;
    private long periodStart = System.nanoTime();
    private int used;
    private long suppressed;

    LogBudget(int lines, Duration period) {
        this.lines = lines;
        this.periodNanos = period.toNanos();
    }

    /** Logs at WARN, if this period has room. */
    void warn(Logger log, String format, Object... args) {
        long dropped = 0;
        boolean write;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - periodStart >= periodNanos) {
                dropped = suppressed;
                suppressed = 0;
                used = 0;
                periodStart = now;
            }
            write = used < lines;
            if (write) {
                used++;
            } else {
                suppressed++;
            }
        }
        if (dropped > 0) {
            log.warn("... and {} more such lines not logged in the last {} s", dropped, periodNanos / 1_000_000_000L);
        }
        if (write) {
            log.warn(format, args);
        }
    }

    /** Starts a new period now, as if none had been used; for tests that look for a line. */
    synchronized void reset() {
        periodStart = System.nanoTime();
        used = 0;
        suppressed = 0;
    }

    /** Lines not logged in the current period, so far; for tests. */
    synchronized long suppressed() {
        return suppressed;
    }
}
