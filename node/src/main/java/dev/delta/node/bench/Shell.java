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
     * Writes every dirty page of the page cache back to disk ({@code sync}), so that a measured
     * step starts as a real update does, long after the previous one: without it, the step pays
     * for the write-back of the trees its setup just wrote (hundreds of MB at full scale), and
     * whichever tool runs after a big write pays most. Every tool's step is preceded by one.
     */
    static void flushWrites() throws IOException, InterruptedException {
        run(List.of("sync"));
    }

    /** Removes a tree with {@code rm -rf}. */
    static void deleteTree(Path dir) throws IOException, InterruptedException {
        run(List.of("rm", "-rf", "--", dir.toString()));
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
