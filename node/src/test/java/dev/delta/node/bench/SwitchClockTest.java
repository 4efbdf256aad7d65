package dev.delta.node.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwitchClockTest {
    @TempDir
    Path tmp;

    private void point(Path link, String target) throws Exception {
        Path next = link.resolveSibling("current.next");
        Files.createSymbolicLink(next, Path.of(target));
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The bench's following-edge step ends when the edge switched, not when the bench got round
     * to looking (the publish call returns only after packing groups, seconds after the switch).
     */
    @Test
    void aSwitchBeforeTheCallerLooks_isTimedAtTheSwitch() throws Exception {
        Path link = tmp.resolve("current");
        point(link, "releases/v1");
        SwitchClock clock = SwitchClock.start(link, 1, 1_000_000);
        Thread.sleep(20);
        long before = System.nanoTime();
        point(link, "releases/v2");
        long after = System.nanoTime();
        Thread.sleep(300); // the caller is busy elsewhere
        long looked = System.nanoTime();
        long t = clock.stopAt(looked);
        assertTrue(t >= before, "seen before the switch");
        assertTrue(t - after < TimeUnit.MILLISECONDS.toNanos(150),
                "seen " + (t - after) / 1_000_000 + " ms after the switch, not when it happened");
    }

    @Test
    void theBenchWaitsOnTheClock_untilTheSwitch() throws Exception {
        Path link = tmp.resolve("current");
        point(link, "releases/v1");
        SwitchClock clock = SwitchClock.start(link, 1, 2_000_000);
        long t0 = System.nanoTime();
        assertEquals(0, clock.awaitSwitch(50), "not moved yet");
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(45), "it waited");
        point(link, "releases/v1"); // the same version again: not a switch
        assertEquals(0, clock.awaitSwitch(30));
        long before = System.nanoTime();
        point(link, "releases/v2");
        long seen = clock.awaitSwitch(10_000);
        assertTrue(seen >= before && seen - before < TimeUnit.MILLISECONDS.toNanos(150), (seen - before) + " ns");
        assertEquals(seen, clock.awaitSwitch(0), "and stays seen");
        assertEquals(seen, clock.stopAt(System.nanoTime()));
    }

    @Test
    void aSwitchTheWatcherMissed_isTimedWhenTheCallerSawIt() throws Exception {
        Path link = tmp.resolve("current");
        point(link, "releases/v1");
        SwitchClock clock = SwitchClock.start(link, 1, TimeUnit.SECONDS.toNanos(10));
        Thread.sleep(20); // the watcher looked once and sleeps
        point(link, "releases/v2");
        long looked = System.nanoTime();
        assertTrue(clock.stopAt(looked) == looked);
    }

    @Test
    void noSwitch_stopIsNow() throws Exception {
        Path link = tmp.resolve("current");
        point(link, "releases/v3");
        SwitchClock clock = SwitchClock.start(link, 3);
        Thread.sleep(20);
        long before = System.nanoTime();
        long t = clock.stop();
        assertTrue(t >= before);
    }
}
