package dev.delta.node.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
     * Brings the machine to the state a real update finds it in, long after the previous one, so
     * that every tool's step starts from the same state whatever ran just before it:
     * <ul>
     * <li>every dirty page of the page cache is written back to disk ({@code sync}): without it, the
     * step pays for the write-back of the trees its setup just wrote (hundreds of MB at full scale),
     * and whichever tool runs after a big write pays most;</li>
     * <li>then nothing runs for {@code quietMillis}. A virtual machine with free page reporting
     * (the balloon device of most cloud VMs) hands memory freed more than about two seconds ago
     * back to its host, and writing a new file into such memory costs the guest a host fault per
     * page: on the 2-core VM of our results, 2.1 s of system time to write 482 MiB, against 0.12 s
     * into memory freed just before. A step that followed a big delete (then the previous tool's
     * clean-up, now left to the end: see Leftovers) wrote into fast memory, one that followed a
     * long setup into slow memory (run by hand, rsync's update of the release tar took 1.4 s in
     * the first case and 1.9-2.2 s in the second). The same pause for every tool keeps the ratios
     * fair; it does not guarantee that every byte freed before it has gone back to the host.</li>
     * </ul>
     */
    static void settle(long quietMillis) throws IOException, InterruptedException {
        run(List.of("sync"));
        Thread.sleep(quietMillis);
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
