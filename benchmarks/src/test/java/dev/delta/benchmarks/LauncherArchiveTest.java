package dev.delta.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code delta} launcher's start-up archive, on a copy of this build (the launcher, the
 * node's runnable jar and its compiler directives). Here, after the node module is packaged: the
 * launcher needs the jar.
 *
 * <p>The JVM maps an archive only for the jar it was made from, and otherwise runs without it,
 * saying nothing (start-up then takes about a second more). {@code -Xshare:on} turns that into an
 * error, which is how these runs tell that the archive was used.
 */
class LauncherArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void aJarWithAnotherTimeThanTheArchivesGetsANewArchive() throws Exception {
        Path root = copyOfTheBuild("delta");

        Run first = run(root);
        assertEquals(0, first.status, first.output);
        assertTrue(first.output.contains("preparing the start-up archive"), first.output);
        assertTrue(Files.isRegularFile(root.resolve("node/target/delta.jsa")), first.output);

        Run second = run(root);
        assertEquals(0, second.status, second.output);
        assertFalse(second.output.contains("preparing the start-up archive"), "made once: " + second.output);

        // As a copy made without keeping times leaves it, or an unpacked package: the jar's time
        // is no longer the one the archive was made for, though the archive is not older than it.
        Files.setLastModifiedTime(root.resolve("node/target/delta.jar"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Run copied = run(root);
        assertEquals(0, copied.status, "the launcher ran the JVM with an archive made for another jar: " + copied.output);
        assertTrue(copied.output.contains("preparing the start-up archive"), copied.output);
        assertTrue(copied.output.contains("delta "), copied.output);

        Run after = run(root);
        assertEquals(0, after.status, after.output);
        assertFalse(after.output.contains("preparing the start-up archive"), after.output);
    }

    /**
     * A node ({@code serve}) gets the parallel collector, other commands the JVM's default, and a
     * collector named in {@code DELTA_JAVA_OPTS} wins (the JVM refuses two). The JVM prints the
     * flags it runs with ({@code -XX:+PrintCommandLineFlags}; without the compiler directives,
     * whose option silences the VM's own output).
     */
    @Test
    void aNodeRunsTheParallelCollector_otherCommandsTheDefault_unlessTheCallerNamesOne() throws Exception {
        Path root = copyOfTheBuild("delta-gc");
        Run serve = run(root, "-XX:+PrintCommandLineFlags", "serve", "--help");
        assertEquals(0, serve.status, serve.output);
        assertTrue(serve.output.contains("-XX:+UseParallelGC"), serve.output);
        Run sync = run(root, "-XX:+PrintCommandLineFlags", "sync", "--help");
        assertEquals(0, sync.status, sync.output);
        assertFalse(sync.output.contains("-XX:+UseParallelGC"), sync.output);
        Run chosen = run(root, "-XX:+UseSerialGC -XX:+PrintCommandLineFlags", "serve", "--help");
        assertEquals(0, chosen.status, chosen.output);
        assertTrue(chosen.output.contains("-XX:+UseSerialGC"), chosen.output);
        assertFalse(chosen.output.contains("-XX:+UseParallelGC"), chosen.output);
    }

    /**
     * A node given a maximum heap commits all of it ({@code -Xms} the same) and touches it at start;
     * one without {@code -Xmx}, or another command, does neither; the caller's own {@code -Xms} or
     * {@code AlwaysPreTouch} wins.
     */
    @Test
    void aNodeGivenAMaximumHeapCommitsAndTouchesItAtStart() throws Exception {
        Path root = copyOfTheBuild("delta-heap");
        // 600 MiB: above the JVM's default initial heap (1/64 of the memory) on most machines
        Run node = run(root, "-Xmx600m -XX:+PrintCommandLineFlags", "serve", "--help");
        assertEquals(0, node.status, node.output);
        assertTrue(node.output.contains("-XX:InitialHeapSize=629145600") && node.output.contains("-XX:+AlwaysPreTouch"),
                node.output);
        Run noMax = run(root, "-XX:+PrintCommandLineFlags", "serve", "--help");
        assertEquals(0, noMax.status, noMax.output);
        assertFalse(noMax.output.contains("AlwaysPreTouch"), noMax.output);
        Run own = run(root, "-Xmx200m -Xms64m -XX:-AlwaysPreTouch -XX:+PrintCommandLineFlags", "serve", "--help");
        assertEquals(0, own.status, own.output);
        assertTrue(own.output.contains("-XX:InitialHeapSize=67108864") && !own.output.contains("+AlwaysPreTouch"),
                own.output);
        Run sync = run(root, "-Xmx200m -XX:+PrintCommandLineFlags", "sync", "--help");
        assertEquals(0, sync.status, sync.output);
        assertFalse(sync.output.contains("AlwaysPreTouch"), sync.output);
    }

    /** The launcher, the node's runnable jar and its compiler directives, copied into {@code tmp/name}. */
    private Path copyOfTheBuild(String name) throws IOException {
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path jar = repo.resolve("node/target/delta.jar");
        assertTrue(Files.isRegularFile(jar), "no " + jar + ": package the node module first (mvn -B verify does)");
        Path root = tmp.resolve(name);
        Files.createDirectories(root.resolve("node/target"));
        Files.createDirectories(root.resolve("node/src/main/jvm"));
        Files.copy(repo.resolve("delta"), root.resolve("delta"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(jar, root.resolve("node/target/delta.jar"));
        Files.copy(repo.resolve("node/src/main/jvm/jit-directives.json"), root.resolve("node/src/main/jvm/jit-directives.json"));
        return root;
    }

    /** {@code delta args...} with {@code DELTA_JAVA_OPTS=javaOpts}, without the compiler directives. */
    private static Run run(Path root, String javaOpts, String... args) throws IOException, InterruptedException {
        return launch(root, javaOpts, "default", args);
    }

    /** {@code delta --version}, refusing to start without the archive (when the launcher names one). */
    private static Run run(Path root) throws IOException, InterruptedException {
        return launch(root, "-Xshare:on", null, "--version");
    }

    /** {@code delta args...} with {@code DELTA_JAVA_OPTS=javaOpts} and {@code DELTA_JIT=jit} (null: unset). */
    private static Run launch(Path root, String javaOpts, String jit, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("delta").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("DELTA_JAVA_OPTS", javaOpts);
        if (jit == null) {
            pb.environment().remove("DELTA_JIT");
        } else {
            pb.environment().put("DELTA_JIT", jit);
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not finish in 120 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private record Run(int status, String output) {
    }
}
