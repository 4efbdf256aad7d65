package dev.delta.node.bench;

import dev.delta.engine.manifest.Manifest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * rsync's side of a scenario: an {@code rsync --daemon} on 127.0.0.1 serving the new tree as a
 * read-only module, and receivers pre-filled with the old tree pulling it with
 * {@code rsync -a --delete --stats} (plain) or with {@code -z --compress-choice=zstd} added.
 * Wire bytes are the client's {@code --stats} ("Total bytes sent / received").
 */
final class Rsync {
    /** How to get rsync, printed when it is missing (the runner installs nothing itself). */
    static final String INSTALL_HINT = "rsync not found on the PATH; install it (Debian/Ubuntu: 'apt-get install rsync',"
            + " Fedora/RHEL: 'dnf install rsync', Alpine: 'apk add rsync', macOS: 'brew install rsync') to compare;"
            + " running the Delta side alone";
    private static final Pattern SENT = Pattern.compile("Total bytes sent:\\s*([0-9.,']+)");
    private static final Pattern RECEIVED = Pattern.compile("Total bytes received:\\s*([0-9.,']+)");
    private static final long TIMEOUT_MINUTES = 60;

    private final Path exe;
    private final String version;
    private final boolean zstd;

    private Rsync(Path exe, String version, boolean zstd) {
        this.exe = exe;
        this.version = version;
        this.zstd = zstd;
    }

    /** The rsync on the PATH, if any, with its version and whether it can compress with zstd. */
    static Optional<Rsync> detect() throws InterruptedException {
        Optional<Path> exe = Shell.which("rsync");
        if (exe.isEmpty()) {
            return Optional.empty();
        }
        try {
            String v = Shell.run(List.of(exe.get().toString(), "--version"));
            String first = v.lines().findFirst().orElse("rsync").replaceAll("\\s+", " ").strip();
            boolean z = Pattern.compile("(?s)Compress list:[^\\n]*\\n?[^\\n]*\\bzstd\\b").matcher(v).find();
            return Optional.of(new Rsync(exe.get(), first, z));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    String version() {
        return version;
    }

    /** Whether {@code --compress-choice=zstd} is supported; without it the compressed variant uses plain {@code -z}. */
    boolean zstd() {
        return zstd;
    }

    /**
     * Measures one variant: fresh receivers (copies of the old tree, or empty), all pulling the
     * new tree from the daemon at once; then checks each receiver against {@code want}.
     */
    ToolResult run(boolean compressed, Scenario s, BenchData.Trees trees, Path work, Daemon daemon, Manifest want,
                   Settle settle)
            throws IOException, InterruptedException {
        String tool = compressed ? "rsync-zstd" : "rsync";
        Files.createDirectories(work);
        List<Path> dests = new ArrayList<>();
        List<List<String>> cmds = new ArrayList<>();
        for (int i = 0; i < s.receivers(); i++) {
            Path d = work.resolve(tool + "-" + i);
            if (trees.oldTree() != null) {
                Shell.copyTree(trees.oldTree(), d);
            } else {
                Files.createDirectories(d);
            }
            dests.add(d);
            List<String> cmd = new ArrayList<>(List.of(exe.toString(), "-a", "--delete", "--stats"));
            if (compressed) {
                cmd.add("-z");
                if (zstd) {
                    cmd.add("--compress-choice=zstd");
                }
            }
            cmd.add("rsync://127.0.0.1:" + daemon.port + "/" + Daemon.MODULE + "/");
            cmd.add(d + "/");
            cmds.add(cmd);
        }
        settle.apply(work); // the copies of the old tree just made are the setup's, not the step's
        ProcessMeter.Batch b = ProcessMeter.run(cmds, work, tool, daemon.handle(), TIMEOUT_MINUTES);
        List<String> problems = new ArrayList<>();
        long up = 0;
        long down = 0;
        for (int i = 0; i < b.runs().size(); i++) {
            ProcessMeter.Run r = b.runs().get(i);
            if (r.exit() != 0) {
                problems.add(tool + " " + i + ": exited with " + r.exit() + ": " + r.stderr().strip());
                continue;
            }
            up += number(SENT, r.stdout());
            down += number(RECEIVED, r.stdout());
            problems.addAll(TreeCheck.differences(tool + " " + i, want, dests.get(i)));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("command", String.join(" ", cmds.get(0)).replace(work.toString(), "<work>"));
        if (compressed && !zstd) {
            extra.put("note", "this rsync has no zstd; compressed with plain -z (zlib)");
        }
        return new ToolResult(tool, b.wallMillis(), up, down, b.cpuMillis(), b.maxPeakRss(), b.serverCpuMillis(),
                b.serverPeakRssBytes(), problems, extra);
    }

    private static long number(Pattern p, String stats) throws IOException {
        Matcher m = p.matcher(stats);
        if (!m.find()) {
            throw new IOException("no '" + p.pattern() + "' in rsync --stats output:\n" + stats);
        }
        return Long.parseLong(m.group(1).replaceAll("[^0-9]", ""));
    }

    /** Starts a daemon serving {@code tree} as module {@value Daemon#MODULE}; close it to stop it. */
    Daemon daemon(Path tree, Path work) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return Daemon.start(exe, tree, work);
            } catch (IOException e) {
                last = e; // most likely the free port was taken in between: try another
            }
        }
        throw last;
    }

    /** A running {@code rsync --daemon --no-detach}; {@link #close()} kills it and its children. */
    static final class Daemon implements AutoCloseable {
        static final String MODULE = "bench";
        private final Process process;
        private final int port;

        private Daemon(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Daemon start(Path exe, Path tree, Path work) throws IOException, InterruptedException {
            int port;
            try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = ss.getLocalPort();
            }
            Object uid = Files.getAttribute(tree, "unix:uid");
            Object gid = Files.getAttribute(tree, "unix:gid");
            Path conf = Files.writeString(work.resolve("rsyncd.conf"), String.join("\n",
                    "pid file = " + work.resolve("rsyncd.pid"),
                    "log file = " + work.resolve("rsyncd.log"),
                    "use chroot = false",
                    "munge symlinks = false",
                    "uid = " + uid,
                    "gid = " + gid,
                    "[" + MODULE + "]",
                    "    path = " + tree.toRealPath(),
                    "    read only = true",
                    ""));
            Files.deleteIfExists(work.resolve("rsyncd.pid"));
            Process p = new ProcessBuilder(exe.toString(), "--daemon", "--no-detach", "--address=127.0.0.1",
                    "--port=" + port, "--config=" + conf).redirectErrorStream(true)
                    .redirectOutput(work.resolve("rsyncd.out").toFile()).start();
            Daemon d = new Daemon(p, port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return d;
                } catch (IOException notYet) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        d.close();
                        throw new IOException("rsync daemon did not start listening on 127.0.0.1:" + port + ": "
                                + Files.readString(work.resolve("rsyncd.out")).strip());
                    }
                    Thread.sleep(20);
                }
            }
        }

        ProcessHandle handle() {
            return process.toHandle();
        }

        @Override
        public void close() throws InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
