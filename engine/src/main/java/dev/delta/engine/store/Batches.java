package dev.delta.engine.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Runs a file-system step over items {@code 0..n-1} on a few threads, a batch of items at a time:
 * building a release is one system call per file (link, create), bound by the kernel rather than
 * by bytes, so several threads keep both cores busy. The first failure stops the other threads
 * at their next batch and is thrown; {@code abort} is checked between batches.
 */
final class Batches {
    /** Threads, this one included (system-call bound, so more than cores). */
    static final int THREADS = 4;
    /** Items a thread takes at a time. */
    static final int SIZE = 64;

    /** One item's work. */
    interface Step {
        void run(int item) throws IOException;
    }

    private Batches() {
    }

    /** @return false when {@code abort} stopped the run early, true when every item ran */
    static boolean run(int n, BooleanSupplier abort, Step step) throws IOException {
        AtomicInteger next = new AtomicInteger();
        IOException[] failure = new IOException[1];
        boolean[] aborted = new boolean[1];
        Runnable worker = () -> {
            for (int i; (i = next.getAndAdd(SIZE)) < n; ) {
                if (abort.getAsBoolean()) {
                    aborted[0] = true; // racy but monotonic: read after every thread has joined
                    next.set(n);
                    return;
                }
                for (int j = i; j < Math.min(n, i + SIZE); j++) {
                    try {
                        step.run(j);
                    } catch (IOException e) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = e;
                            }
                        }
                        next.set(n);
                        return;
                    }
                }
            }
        };
        int threads = Math.max(1, Math.min(THREADS, n / SIZE));
        List<Thread> started = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            Thread th = new Thread(worker, "release-batch-" + t);
            th.setDaemon(true);
            th.start();
            started.add(th);
        }
        worker.run();
        try {
            for (Thread th : started) {
                th.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while building a release");
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return !aborted[0];
    }
}
