package dev.delta.engine.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes a file system's dirty pages to disk: Linux's {@code syncfs(2)} on the file system that
 * holds a directory, through coreutils' {@code sync -f} (the JDK has no call for it), else a plain
 * {@code sync}.
 *
 * <p>A release's files are written through the page cache and not forced one by one: an
 * {@code fsync} per file of an 80,000-file, 1 GB release took 22 s here, one {@code syncfs} of
 * the same release 1.6 s. Forcing the whole file system once before {@code current} moves makes
 * the release durable before anything points at it, and takes its writeback out of what comes
 * next (an edge's copy of the release, measured here: 1.6 GB of a publish's pages still dirty
 * made a following edge's cold copy 1.5 to 2.3 s slower in each of three alternating pairs).
 */
public final class FileSystemSync {
    /** The commands tried in order: {@code syncfs} of one file system, then every file system. */
    private static final List<List<String>> COMMANDS = List.of(List.of("sync", "-f"), List.of("sync"));
    /** Longer than any writeback a release leaves; a command stuck past it is an error. */
    private static final long TIMEOUT_MINUTES = 30;

    private FileSystemSync() {
    }

    /**
     * Writes every dirty page of the file system holding {@code dir} to disk, and returns when it
     * is there.
     *
     * @throws StoreException when {@code dir} is not a directory, or neither command succeeds
     *         (their exit status and output in the message)
     */
    public static void flush(Path dir) throws IOException {
        flush(dir, COMMANDS);
    }

    /** {@link #flush(Path)} through {@code commands}, tried in order; a command of more than one word gets {@code dir}. */
    static void flush(Path dir, List<List<String>> commands) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new StoreException("cannot write " + dir + " to disk: not a directory");
        }
        StringBuilder failures = new StringBuilder();
        for (List<String> command : commands) {
            List<String> args = new java.util.ArrayList<>(command);
            if (args.size() > 1) {
                args.add(dir.toString());
            }
            String failure = run(args, dir);
            if (failure == null) {
                return;
            }
            failures.append(failures.length() == 0 ? "" : "; ").append(failure);
        }
        throw new StoreException("cannot write " + dir + " to disk: " + failures);
    }

    /** Runs one command; null when it exited 0, else what went wrong. */
    private static String run(List<String> args, Path dir) throws IOException {
        String name = String.join(" ", args);
        Process p;
        try {
            p = new ProcessBuilder(args).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "'" + name + "' could not start (" + e.getMessage() + ")";
        }
        p.getOutputStream().close(); // nothing to read: its input ends at once
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return "'" + name + "' did not finish in " + TIMEOUT_MINUTES + " minutes";
            }
            // read after the exit: the command writes at most a line of error, far below a pipe's buffer
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            int status = p.exitValue();
            return status == 0 ? null : "'" + name + "' exited with status " + status + (out.isEmpty() ? "" : ": " + out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing " + dir + " to disk");
        }
    }
}
