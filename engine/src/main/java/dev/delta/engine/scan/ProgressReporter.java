package dev.delta.engine.scan;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts a scan's progress from any thread and passes it to a {@link ScanProgress} at most
 * every {@link Scanner#PROGRESS_INTERVAL_MILLIS} ms, never from two threads at once: a thread
 * that finds the interval elapsed reports only if no other thread is reporting (tryLock), so
 * workers never queue behind a slow callback.
 */
final class ProgressReporter {
    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(Scanner.PROGRESS_INTERVAL_MILLIS);

    private final ScanProgress sink;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong filesDone = new AtomicLong();
    private final AtomicLong bytesDone = new AtomicLong();
    private volatile ScanProgress.Phase phase = ScanProgress.Phase.WALK;
    private volatile long lastNanos = System.nanoTime();
    private final AtomicLong filesTotal = new AtomicLong();
    private final AtomicLong bytesTotal = new AtomicLong();

    ProgressReporter(ScanProgress sink) {
        this.sink = sink;
    }

    /** The walk found a file of {@code size} bytes. */
    void found(long size) {
        filesTotal.incrementAndGet();
        bytesTotal.addAndGet(size);
        maybeReport();
    }

    /** {@code n} more bytes read, or reused from the cache. */
    void bytes(long n) {
        bytesDone.addAndGet(n);
        maybeReport();
    }

    /** {@code files} more files, of {@code bytes} bytes, finished at once (answered without reading). */
    void filesDone(long files, long bytes) {
        filesDone.addAndGet(files);
        bytesDone.addAndGet(bytes);
        maybeReport();
    }

    /** One more file finished. */
    void fileDone() {
        filesDone.incrementAndGet();
        maybeReport();
    }

    /** Starts a phase, reporting the state at its start unconditionally. */
    void phase(ScanProgress.Phase next) {
        phase = next;
        lock.lock(); // phase changes happen when no worker runs; wait out any report in flight
        try {
            lastNanos = System.nanoTime();
            sink.update(phase, filesDone.get(), filesTotal.get(), bytesDone.get(), bytesTotal.get());
        } finally {
            lock.unlock();
        }
    }

    private void maybeReport() {
        if (System.nanoTime() - lastNanos >= INTERVAL_NANOS) {
            report();
        }
    }

    private void report() {
        if (lock.tryLock()) {
            try {
                lastNanos = System.nanoTime();
                sink.update(phase, filesDone.get(), filesTotal.get(), bytesDone.get(), bytesTotal.get());
            } finally {
                lock.unlock();
            }
        }
    }
}
