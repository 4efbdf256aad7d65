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
 *
 * <p>With several rounds, every tool's step runs once per round, on the same trees, each time
 * from scratch (new origin, new receivers); odd rounds run the tools in their usual order, even
 * rounds in the reverse one, so that no tool always runs first after the data is generated or
 * right after another's step. On a shared machine one step's wall time can move by half from one
 * minute to the next: a ratio taken within each round, and the median of those, says more than
 * any single pair.
 */
public final class BenchRunner {
    /**
     * What to run.
     *
     * @param work an empty or missing directory to work in
     */
    public record Options(List<Scenario> scenarios, boolean vsRsync, Scale scale, long seed, Path work,
                          boolean keep, int rounds) {
        public Options {
            if (rounds < 1 || rounds > MAX_ROUNDS) {
                throw new IllegalArgumentException("rounds must be 1 to " + MAX_ROUNDS + ", not " + rounds);
            }
        }
    }

    /** Most rounds a run may ask for: each one repeats every step of every scenario. */
    public static final int MAX_ROUNDS = 15;

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
                    report.add(BenchReport.ScenarioResult.of(s, -1, -1, List.of(List.of(ToolResult.failed("delta", m)))));
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
        Settle settle = Settle.of(options.scale().settleMillis(), s.receivers(), trees.bytes());
        if (settle.warmBytes() > 0) {
            out.printf("%s: each step starts after %d s quiet, with up to %d MiB of memory just used "
                    + "(see --help)%n", s.label(), settle.quietMillis() / 1000, settle.warmBytes() >> 20);
        }
        long room = roomFor(trees);
        List<List<ToolResult>> rounds = new ArrayList<>();
        Rsync.Daemon daemon = null;
        try {
            for (int round = 1; round <= options.rounds(); round++) {
                Path dir = options.rounds() == 1 ? work : work.resolve("round-" + round);
                List<NamedStep> steps = steps(s, trees, want, settle, rsync);
                if (round % 2 == 0) {
                    java.util.Collections.reverse(steps);
                }
                if (options.rounds() > 1) {
                    out.printf("%s: round %d of %d: %s%n", s.label(), round, options.rounds(),
                            String.join(", ", steps.stream().map(NamedStep::tool).toList()));
                    out.flush();
                }
                List<ToolResult> results = new ArrayList<>();
                for (NamedStep step : steps) {
                    if (step.rsync() && daemon == null) {
                        daemon = rsync.orElseThrow().daemon(trees.newTree(),
                                Files.createDirectories(work.resolve("rsyncd")));
                    }
                    leftovers.makeRoom(room);
                    Rsync.Daemon d = daemon;
                    Path at = dir.resolve(step.tool());
                    results.add(measure(s, step.tool(), () -> step.run(at, d)));
                    retire(at);
                }
                results.sort(java.util.Comparator.comparingInt(t -> TOOL_ORDER.indexOf(t.tool())));
                rounds.add(results);
            }
        } finally {
            if (daemon != null) {
                daemon.close();
            }
        }
        retire(work.resolve("data"));
        return BenchReport.ScenarioResult.of(s, trees.files(), trees.bytes(), rounds);
    }

    /** The tools in the order of a round (odd rounds; even ones run it backwards) and of the report. */
    static final List<String> TOOL_ORDER = List.of("delta", DeltaSide.EDGE_TOOL, "rsync", "rsync-zstd");

    private List<NamedStep> steps(Scenario s, BenchData.Trees trees, Manifest want, Settle settle,
                                  Optional<Rsync> rsync) {
        List<NamedStep> steps = new ArrayList<>();
        steps.add(new NamedStep("delta", false, (dir, d) -> DeltaSide.run(s, trees, dir, want, settle)));
        if (s.publishesNewVersion()) { // unchanged, a publish makes no version: a following edge has nothing to do
            steps.add(new NamedStep(DeltaSide.EDGE_TOOL, false,
                    (dir, d) -> DeltaSide.runFollowing(s, trees, dir, want, settle)));
        }
        if (rsync.isPresent()) {
            Rsync r = rsync.get();
            for (boolean compressed : new boolean[]{false, true}) {
                steps.add(new NamedStep(compressed ? "rsync-zstd" : "rsync", true,
                        (dir, d) -> r.run(compressed, s, trees, dir, d, want, settle)));
            }
        }
        return steps;
    }

    /** One tool's measured step, run in {@code dir} (with the scenario's rsync daemon for rsync's). */
    private record NamedStep(String tool, boolean rsync, ToolStep step) {
        ToolResult run(Path dir, Rsync.Daemon daemon) throws IOException, InterruptedException {
            return step.run(dir, daemon);
        }
    }

    private interface ToolStep {
        ToolResult run(Path dir, Rsync.Daemon daemon) throws IOException, InterruptedException;
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
