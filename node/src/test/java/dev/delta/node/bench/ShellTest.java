package dev.delta.node.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

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
        Shell.settle(0);
        long dirty = dirtyBytes();
        assertTrue(dirty < 32L << 20, "after a flush, " + (dirty >> 20) + " MiB of the 64 MiB just written "
                + "(or of anything else) are still dirty");
    }

    /** Memory freed by the setup must have time to go back to the host before the step, whatever the tool. */
    @Test
    void settle_leavesTheMachineQuietForTheGivenTime() throws Exception {
        long t0 = System.nanoTime();
        Shell.settle(300);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300, "settled for " + ms + " ms, asked for 300");
    }
}
