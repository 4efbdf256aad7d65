package dev.delta.node.edge;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WritesInFlightTest {
    @Test
    void awaitReturnsOnlyOnceEveryWriteHandedOverHasEnded() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 50; round++) {
                Syncer.WritesInFlight w = new Syncer.WritesInFlight();
                AtomicInteger done = new AtomicInteger();
                int n = 2_000;
                for (int i = 0; i < n; i++) {
                    w.begin();
                    pool.execute(() -> {
                        done.incrementAndGet();
                        w.end(null);
                    });
                }
                assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), w::await);
                assertEquals(n, done.get(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nothingHandedOverIsNothingToWaitFor() {
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> new Syncer.WritesInFlight().await());
    }

    @Test
    void theFirstUnexpectedFailureIsThrownAfterTheOthersEnded() throws Exception {
        Syncer.WritesInFlight w = new Syncer.WritesInFlight();
        IllegalStateException first = new IllegalStateException("first");
        w.begin();
        w.begin();
        w.begin();
        w.end(first);
        w.end(new IllegalArgumentException("second"));
        Thread late = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            w.end(null);
        });
        long t0 = System.nanoTime();
        late.start();
        CompletionException e = assertThrows(CompletionException.class, w::await);
        assertSame(first, e.getCause());
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(150), "waited for the last write");
        late.join();
    }

    @Test
    void anInterruptWhileWaitingIsKeptNotLost() throws Exception {
        Syncer.WritesInFlight w = new Syncer.WritesInFlight();
        w.begin();
        Thread waiter = new Thread(() -> {
            w.await();
            assertTrue(Thread.currentThread().isInterrupted());
        });
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        waiter.setUncaughtExceptionHandler((t, ex) -> failed.set(ex));
        waiter.start();
        Thread.sleep(100);
        waiter.interrupt();
        Thread.sleep(100);
        assertTrue(waiter.isAlive(), "still waiting for the write");
        w.end(null);
        waiter.join(5_000);
        assertEquals(null, failed.get());
        assertTrue(!waiter.isAlive());
    }
}
