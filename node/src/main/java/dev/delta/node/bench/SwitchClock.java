package dev.delta.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Notes when a dataset's {@code current} link first points past a version: a thread reads the
 * link (the origin's every 200 µs, an edge's every 2 ms) while the publish runs in this JVM, so
 * the step starts at the origin's switch (what the origin announces), not at the end of the
 * publish call, and ends at the edges' switches even when they come before that end. The
 * bench then waits on the edges' clocks ({@link #awaitSwitch}) instead of reading their links
 * again: two threads reading a link every millisecond took 3% of a core, from the edge being
 * measured on a two-core machine.
 */
final class SwitchClock {
    private final Thread thread;
    private volatile long seen;
    private volatile boolean stop;

    private SwitchClock(Path link, long from, long periodNanos) {
        this.thread = new Thread(() -> {
            while (!stop && seen == 0) {
                try {
                    String t = Files.readSymbolicLink(link).toString();
                    if (t.startsWith("releases/v") && Long.parseLong(t.substring(10)) > from) {
                        seen = System.nanoTime();
                    }
                } catch (IOException | NumberFormatException notYet) {
                    // no link yet
                }
                java.util.concurrent.locks.LockSupport.parkNanos(periodNanos);
            }
        }, "switch-clock");
        thread.setDaemon(true);
    }

    static SwitchClock start(Path link, long from) {
        return start(link, from, 200_000);
    }

    static SwitchClock start(Path link, long from, long periodNanos) {
        SwitchClock c = new SwitchClock(link, from, periodNanos);
        c.thread.start();
        return c;
    }

    /**
     * Waits up to {@code millis} for the link to move; the time it was seen moved, or 0 when it
     * has not moved yet.
     */
    long awaitSwitch(long millis) throws InterruptedException {
        if (millis > 0) { // join(0) would wait for ever
            thread.join(millis);
        }
        return seen;
    }

    /**
     * Stops watching a link already known to have moved (seen so at {@code seenAt}): the
     * earliest time it was seen moved, by this watcher or by the caller.
     */
    long stopAt(long seenAt) throws InterruptedException {
        stop = true;
        java.util.concurrent.locks.LockSupport.unpark(thread);
        thread.join();
        return seen != 0 ? Math.min(seen, seenAt) : seenAt;
    }

    /** Stops watching; the time of the switch, or now when it was not seen. */
    long stop() throws InterruptedException {
        return stopAt(System.nanoTime());
    }
}
