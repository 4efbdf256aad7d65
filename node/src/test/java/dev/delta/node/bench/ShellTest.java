package dev.delta.node.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellTest {
    @TempDir
    Path tmp;

    /** Dirty page-cache bytes, from /proc/meminfo. */
    private static long dirtyBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Dirty:")) {
                return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
            }
        }
        throw new AssertionError("no Dirty line in /proc/meminfo");
    }

    /** A measured step must not start with the setup's writes still waiting for the disk. */
    @Test
    void settle_leavesNoDirtyPagesOfWhatWasJustWritten() throws Exception {
        byte[] block = new byte[1 << 20];
        new Random(7).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(tmp.resolve("written"))) {
            for (int i = 0; i < 64; i++) {
                out.write(block);
            }
        }
        Shell.settle(0, 0, tmp);
        long dirty = dirtyBytes();
        assertTrue(dirty < 32L << 20, "after a flush, " + (dirty >> 20) + " MiB of the 64 MiB just written "
                + "(or of anything else) are still dirty");
    }

    /** What the setup started winds down before the step, whatever the tool. */
    @Test
    void settle_leavesTheMachineQuietForTheGivenTime() throws Exception {
        long t0 = System.nanoTime();
        Shell.settle(300, 0, tmp);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300, "settled for " + ms + " ms, asked for 300");
    }

    /** The warm-up writes what it was asked for into the first directory with room, and leaves nothing behind. */
    @Test
    void warmMemory_writesTheScratchFileAndDeletesIt() throws Exception {
        Path gone = tmp.resolve("gone"); // no such directory: skipped
        Path dir = Files.createDirectory(tmp.resolve("scratch"));
        long got = Shell.warmMemory(8L << 20, Shell.WARM_SPARE + (64L << 20), List.of(gone, dir));
        assertEquals(8L << 20, got);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the scratch file is deleted");
        }
    }

    /** The trees' page cache is never pushed out for the warm-up: it stops short of the free memory. */
    @Test
    void warmMemory_leavesTheSpareFree() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("scratch"));
        assertEquals(3L << 20, Shell.warmMemory(64L << 20, Shell.WARM_SPARE + (3L << 20), List.of(dir)));
        assertEquals(0, Shell.warmMemory(64L << 20, Shell.WARM_SPARE, List.of(dir)));
        assertEquals(0, Shell.warmMemory(64L << 20, -1, List.of(dir)), "free memory unknown: no warm-up");
    }

    /** Every receiver's tree and the origin's, and a quarter more; nothing at a scale that does not wait. */
    @Test
    void settleOfAScenario_warmsForEveryCopyOfTheTree() {
        assertEquals(new Settle(5_000, 5 * 1000L), Settle.of(5_000, 3, 1000));
        assertEquals(Settle.NONE, Settle.of(0, 3, 1000));
    }
}
