package dev.delta.node.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code delta serve} child process on loopback, started with this JVM's own java binary,
 * class path and flags; stopped with SIGTERM (then SIGKILL if it lingers).
 */
public final class NodeProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final int port;

    private NodeProcess(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code delta serve --config config} and waits until it listens. */
    public static NodeProcess start(String name, Path config, Path workDir) throws IOException, InterruptedException {
        return start(name, config, workDir, List.of());
    }

    /** Same, with extra JVM options (system properties such as a logger's level). */
    public static NodeProcess start(String name, Path config, Path workDir, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Path portFile = workDir.resolve(name + ".port");
        Path log = workDir.resolve(name + ".log");
        Files.deleteIfExists(portFile);
        List<String> cmd = deltaCommand(jvmOptions, "serve", "--config", config.toString(), "--port-file",
                portFile.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile)) {
            if (!p.isAlive()) {
                throw new IOException(name + " exited with " + p.exitValue() + " before listening:\n" + tail(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException(name + " did not start listening within 30 s:\n" + tail(log));
            }
            Thread.sleep(20);
        }
        return new NodeProcess(name, p, log, Integer.parseInt(Files.readString(portFile).trim()));
    }

    /**
     * The command line that runs {@code delta args...} in a new JVM: this JVM's java binary, class
     * path, module flags ({@code --add-*}), Chronicle properties and class-data-sharing archive
     * (the launcher's), and a 256 MiB heap.
     */
    public static List<String> deltaCommand(String... args) {
        return deltaCommand(List.of(), args);
    }

    /**
     * The garbage collector the launcher gives a node ({@code delta serve}) unless the caller names
     * one; other commands keep the JVM's default (the launcher says why).
     */
    public static final String NODE_GC = "-XX:+UseParallelGC";

    /** The maximum heap of every command started here (the demo's and the bench's), unless the caller names another. */
    static final String NODE_HEAP = "256m";

    /**
     * As the launcher does for a node given a maximum heap: all of it committed ({@code -Xms} the
     * same as the last {@code -Xmx}) and touched at start ({@code -XX:+AlwaysPreTouch}), unless
     * {@code jvmOptions} name either themselves. The launcher says why.
     */
    static List<String> nodeHeap(List<String> jvmOptions) {
        List<String> out = new ArrayList<>();
        String max = NODE_HEAP;
        for (String o : jvmOptions) {
            if (o.startsWith("-Xmx")) {
                max = o.substring(4);
            }
        }
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Xms"))) {
            out.add("-Xms" + max);
        }
        if (jvmOptions.stream().noneMatch(o -> o.contains("AlwaysPreTouch"))) {
            out.add("-XX:+AlwaysPreTouch");
        }
        return out;
    }

    /** Same, with extra JVM options before the class name. */
    public static List<String> deltaCommand(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(inherited(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        cmd.add("-Dchronicle.analytics.disable=true");
        cmd.add("-Xmx" + NODE_HEAP);
        cmd.add("-XX:+ExitOnOutOfMemoryError"); // as the launcher: fail visibly, never hang half-dead
        // ...and say why in the node's log, which the VM's own line does not reach (see the launcher)
        cmd.add("-XX:OnOutOfMemoryError=echo 'delta (pid %p): out of memory (Java heap), exiting with status 3' >&2");
        if (args.length > 0 && args[0].equals("serve")) {
            if (jvmOptions.stream().noneMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"))) {
                cmd.add(NODE_GC);
            }
            cmd.addAll(nodeHeap(jvmOptions));
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.delta.node.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The options of this JVM a child {@code delta} command is started with: the module openings,
     * the launcher's class-data-sharing archive and its compiler directives, so that children
     * start as {@code ./delta} would start them, and Delta's own switches ({@code -Ddelta.spare=false}
     * and the like), so that a bench run with one measures nodes that have it.
     */
    static List<String> inherited(List<String> jvmArguments) {
        List<String> out = new ArrayList<>();
        for (String a : jvmArguments) {
            if (a.startsWith("--add-") || a.startsWith("-Dchronicle") || a.startsWith("-Ddelta.")
                    || a.startsWith("-XX:SharedArchiveFile=")
                    || a.equals("-XX:+UnlockDiagnosticVMOptions") || a.startsWith("-XX:ArchiveRelocationMode=")
                    || a.startsWith("-Xlog:cds") || a.startsWith("-XX:CompilerDirectivesFile=")
                    || a.equals("-XX:-DisplayVMOutput")) {
                out.add(a);
            }
        }
        return out;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last lines of the process's log. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 10 s; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", port " + port + ")";
    }
}
