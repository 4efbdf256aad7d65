package dev.delta.node.bench;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the end-to-end benchmark: for each scenario, generate the trees, measure Delta and (when
 * asked and available) rsync plain and rsync with zstd, check every receiver, and collect the
 * figures into a {@link BenchReport}. Everything happens under one working directory, removed at
 * the end unless {@code keep}; finished steps' trees stay there until then, unless the disk runs
 * short (see {@link Leftovers}). No process outlives a scenario.
 */
public final class BenchRunner {
    /**
     * What to run.
     *
     * @param work an empty or missing directory to work in
     */
    public record Options(List<Scenario> scenarios, boolean vsRsync, Scale scale, long seed, Path work,
                          boolean keep) {
    }

    private final Options options;
    private final PrintWriter out;
    private final Leftovers leftovers;

    public BenchRunner(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
        this.leftovers = new Leftovers(Leftovers.freeSpaceOf(options.work()), out);
    }

    /** Runs every scenario and returns the report; failures are recorded in it, not thrown. */
    public BenchReport run() throws IOException, InterruptedException {
        if (!ProcFs.available()) {
            throw new IOException("the benchmark measures processes through /proc and runs on Linux only");
        }
        Optional<Rsync> rsync = Optional.empty();
        if (options.vsRsync()) {
            rsync = Rsync.detect();
            if (rsync.isEmpty()) {
                out.println(Rsync.INSTALL_HINT);
            } else if (!rsync.get().zstd()) {
                out.println("this rsync cannot compress with zstd: the compressed runs use plain -z (zlib)");
            }
        }
        BenchReport report = new BenchReport(options, rsync.map(Rsync::version).orElse(null),
                rsync.map(Rsync::zstd).orElse(false));
        Files.createDirectories(options.work());
        // Interrupted (Ctrl-C, SIGTERM), the finally blocks do not run: kill the nodes, syncs and daemons anyway.
        Thread reaper = new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly),
                "bench-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            for (Scenario s : options.scenarios()) {
                try {
                    report.add(scenario(s, rsync));
                } catch (IOException | RuntimeException e) {
                    String m = e.getMessage() == null ? e.toString() : e.getMessage();
                    out.printf("%s: FAIL: %s%n", s.label(), m);
                    report.add(new BenchReport.ScenarioResult(s, -1, -1, List.of(ToolResult.failed("delta", m))));
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            if (options.keep()) {
                out.println("kept " + options.work());
            } else {
                DatasetStore.deleteTree(options.work());
            }
        }
        return report;
    }

    private BenchReport.ScenarioResult scenario(Scenario s, Optional<Rsync> rsync)
            throws IOException, InterruptedException {
        Path work = Files.createDirectories(options.work().resolve(s.label()));
        out.printf("%s: generating (%s scale) ...%n", s.label(), options.scale().name());
        out.flush();
        BenchData.Trees trees = new BenchData(options.seed(), options.scale()).prepare(s, work.resolve("data"));
        Manifest want = TreeCheck.scan(trees.newTree());
        List<ToolResult> results = new ArrayList<>();
        Settle settle = Settle.of(options.scale().settleMillis(), s.receivers(), trees.bytes());
        if (settle.warmBytes() > 0) {
            out.printf("%s: each step starts after %d s quiet, with up to %d MiB of memory just used "
                    + "(see --help)%n", s.label(), settle.quietMillis() / 1000, settle.warmBytes() >> 20);
        }
        long room = roomFor(trees);
        leftovers.makeRoom(room);
        results.add(measure(s, "delta", () -> DeltaSide.run(s, trees, work.resolve("delta"), want, settle)));
        retire(work.resolve("delta"));
        if (s.publishesNewVersion()) { // unchanged, a publish makes no version: a following edge has nothing to do
            leftovers.makeRoom(room);
            results.add(measure(s, DeltaSide.EDGE_TOOL, () -> DeltaSide.runFollowing(s, trees,
                    work.resolve(DeltaSide.EDGE_TOOL), want, settle)));
            retire(work.resolve(DeltaSide.EDGE_TOOL));
        }
        if (rsync.isPresent()) {
            Rsync r = rsync.get();
            try (Rsync.Daemon daemon = r.daemon(trees.newTree(), Files.createDirectories(work.resolve("rsyncd")))) {
                for (boolean compressed : new boolean[]{false, true}) {
                    String tool = compressed ? "rsync-zstd" : "rsync";
                    leftovers.makeRoom(room);
                    results.add(measure(s, tool,
                            () -> r.run(compressed, s, trees, work.resolve(tool), daemon, want, settle)));
                    retire(work.resolve(tool));
                }
            }
        }
        retire(work.resolve("data"));
        return new BenchReport.ScenarioResult(s, trees.files(), trees.bytes(), results);
    }

    private ToolResult measure(Scenario s, String tool, Step step) throws InterruptedException {
        ToolResult r;
        try {
            r = step.run();
        } catch (IOException | RuntimeException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            r = ToolResult.failed(tool, m);
        }
        out.printf("%s: %-10s %s%n", s.label(), tool, r.correct() ? "ok, " + BenchReport.brief(r)
                : "FAIL: " + String.join("; ", r.problems()));
        out.flush();
        return r;
    }

    /** Leaves a finished step's tree for the end of the run (with {@code keep}, for good). */
    private void retire(Path dir) {
        if (!options.keep()) {
            leftovers.retire(dir);
        }
    }

    /**
     * Room one step may take: a receiver's old and new trees, the origin's releases and compressed
     * copies, and a margin.
     */
    private static long roomFor(BenchData.Trees trees) {
        return 4 * trees.bytes() + (1L << 30);
    }

    /** One measured step of a scenario. */
    private interface Step {
        ToolResult run() throws IOException, InterruptedException;
    }
}
