package dev.delta.node.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Small helpers around external commands (Linux only, like the measurements themselves). */
final class Shell {
    private Shell() {
    }

    /** Copies a tree with {@code cp -a} (modes, times, symlinks kept); {@code to} must not exist. */
    static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        run(List.of("cp", "-a", from.toString(), to.toString()));
    }

    /**
     * Brings the machine to the same state before every tool's step, whatever ran just before it:
     * <ul>
     * <li>every dirty page of the page cache is written back to disk ({@code sync}): without it, the
     * step pays for the write-back of the trees its setup just wrote (hundreds of MB at full scale),
     * and whichever tool runs after a big write pays most;</li>
     * <li>nothing runs for {@code quietMillis}, so that what the setup started winds down;</li>
     * <li>then {@link #warmMemory} makes {@code warmBytes} of memory the guest has just used the
     * first the step's writes get. On a virtual machine with free page reporting (the balloon
     * device of most cloud VMs), memory the guest has not touched lately, or freed a while ago,
     * belongs to the host, and writing a file into it costs a host fault per page: on the 2-core
     * VM of our results, {@code cp} of a 1.3 GB file in the page cache took 4.0-5.5 s into such
     * memory and 0.25-0.28 s right after 2.5 GB were written and freed (session 15). Which memory
     * a step got depended on what ran before it and how long ago; the same warm start for every
     * tool takes the order of the steps out of the ratios (not all of the VM's variance: see
     * docs/bench.md), and is what a server that has been up a while has.</li>
     * </ul>
     */
    static void settle(long quietMillis, long warmBytes, Path scratchDir) throws IOException, InterruptedException {
        run(List.of("sync"));
        Thread.sleep(quietMillis);
        if (warmBytes > 0) {
            warmMemory(warmBytes, Machine.freeBytes(), List.of(Path.of("/dev/shm"), scratchDir));
        }
    }

    /** Memory left alone by {@link #warmMemory}: the trees' page cache must not be pushed out for it. */
    static final long WARM_SPARE = 1L << 30;

    /**
     * Writes up to {@code wanted} bytes into a scratch file in the first of {@code dirs} with room
     * for them ({@code /dev/shm} first: memory, never written back to a disk), then deletes it:
     * the pages freed are the first the next writes get. Never more than {@code freeBytes} less
     * {@link #WARM_SPARE}. Returns the bytes written (0 when there was no room).
     */
    static long warmMemory(long wanted, long freeBytes, List<Path> dirs) throws IOException {
        long n = Math.min(wanted, freeBytes - WARM_SPARE);
        if (n <= 0) {
            return 0;
        }
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir) || !Files.isWritable(dir) || Files.getFileStore(dir).getUsableSpace() < n) {
                continue;
            }
            Path scratch = Files.createTempFile(dir, "delta-bench-warm-", ".tmp");
            long written = 0;
            try (FileChannel ch = FileChannel.open(scratch, StandardOpenOption.WRITE)) {
                ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
                while (written < n) {
                    block.clear().limit((int) Math.min(block.capacity(), n - written));
                    while (block.hasRemaining()) {
                        written += ch.write(block);
                    }
                }
            } finally {
                Files.deleteIfExists(scratch);
            }
            return written;
        }
        return 0;
    }

    /** Runs a command to completion and returns its stdout; fails with its output on a non-zero exit. */
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                throw new IOException("'" + String.join(" ", cmd) + "' did not finish in 10 minutes");
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("'" + String.join(" ", cmd) + "' exited with " + p.exitValue() + ": " + s.strip());
            }
            return s;
        } finally {
            p.destroyForcibly();
        }
    }

    /** The first executable called {@code name} on the PATH. */
    static Optional<Path> which(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
