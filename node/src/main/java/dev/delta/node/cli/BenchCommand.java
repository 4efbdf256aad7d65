package dev.delta.node.cli;

import dev.delta.node.bench.BenchReport;
import dev.delta.node.bench.BenchRunner;
import dev.delta.node.bench.Scale;
import dev.delta.node.bench.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code delta bench}: the end-to-end benchmark, Delta against rsync on loopback. */
@Command(name = "bench",
        header = "Measure Delta end to end on generated, seeded datasets.",
        description = {
                "Measure Delta end to end on generated, seeded datasets: an origin 'delta serve' process "
                        + "and 'delta sync' edge processes on 127.0.0.1; with --vs-rsync also an rsync daemon on "
                        + "127.0.0.1 pulled by 'rsync -a --delete' (plain) and with '-z --compress-choice=zstd'. "
                        + "Each scenario brings receivers holding an old tree to a new one; the step old->new is "
                        + "measured: wall time, bytes on the wire each way, CPU time and peak RSS of receivers and "
                        + "sender. Every receiver is then checked against the new tree. Installs nothing: without "
                        + "rsync it says how to get it and measures Delta alone. Linux only.",
                "Exit codes: 0 all correct, 1 a receiver ended up different from the new tree, 3 failure.",
                "Delta is measured twice: a 'delta sync' process per edge (JVM start included) and, as "
                        + "'delta-edge', running 'delta serve' edges following the origin (from the origin's "
                        + "switch to theirs).",
                "Every tool's step starts the same way: dirty pages written back (sync), then, at the medium, "
                        + "full and spec scales, 5 s with nothing running and a scratch file the size of every "
                        + "receiver's and the origin's copy of the new tree written to /dev/shm and deleted, so "
                        + "that the step writes into memory the machine has just used (a VM hands memory it has "
                        + "not touched lately to its host, and each page written there costs a host fault). No step "
                        + "deletes another's trees: they stay until the run ends (about 25 GB for the spec scale's "
                        + "source-tree, release-tar and cold), or go early, with a note, when the disk runs short. "
                        + "On ext4 without a journal, files created within minutes of a big delete are much slower "
                        + "to make, and whichever tool ran next would pay for it.",
                "Scenarios: source-tree, big-file-scattered, big-file-insert, release-tar, no-change, "
                        + "cold, rename-heavy, fanout-4."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "NAME", description = "Scenario to run; repeatable (default: all).")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--vs-rsync", description = "Also measure rsync (plain and zstd-compressed) on the same data.")
    boolean vsRsync;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the figures as JSON to FILE.")
    Path json;

    @Option(names = "--scale", paramLabel = "SCALE", defaultValue = "full",
            description = "small (seconds), medium, full (~50k files, 460 MB; 1 GiB big files; default), "
                    + "or spec (80k files, ~1 GB: the size the node's targets are stated at).")
    String scale;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed of the datasets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work in DIR (must not exist) instead of a temporary directory.")
    Path dir;

    @Option(names = "--keep", description = "Keep the working directory (trees, node logs, rsync logs) afterwards.")
    boolean keep;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1",
            description = "Run every tool's step N times (1-" + BenchRunner.MAX_ROUNDS + ", default: "
                    + "${DEFAULT-VALUE}), each from scratch, in alternating order; report each tool's round of "
                    + "median wall time and the median of the ratios taken within each round, with their range. "
                    + "On a shared or virtual machine one step can take half as long again from one minute to "
                    + "the next: use 3 or 5 for figures to quote. Each round takes as long as a run of one.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        List<Scenario> chosen = new ArrayList<>();
        Scale sc;
        try {
            for (String s : scenarios) {
                chosen.add(Scenario.parse(s));
            }
            sc = Scale.parse(scale);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        if (chosen.isEmpty()) {
            chosen.addAll(Arrays.asList(Scenario.values()));
        }
        if (rounds < 1 || rounds > BenchRunner.MAX_ROUNDS) {
            throw new CommandLine.ParameterException(cl, "--rounds must be 1 to " + BenchRunner.MAX_ROUNDS
                    + ", not " + rounds);
        }
        if (dir != null && Files.exists(dir)) {
            throw new CommandLine.ParameterException(cl, "--dir must not exist: " + dir);
        }
        Path work = dir != null ? dir : Files.createTempDirectory("delta-bench-");
        out.println("working in " + work);
        BenchReport report = new BenchRunner(new BenchRunner.Options(chosen, vsRsync, sc, seed, work, keep, rounds), out).run();
        report.printTable(out);
        if (json != null) {
            report.writeJson(json);
            out.println("wrote " + json);
        }
        boolean ok = report.allCorrect();
        out.println(ok ? "bench OK: every receiver holds the new tree"
                : "bench FAILED: a receiver differs from the new tree (rows marked FAIL)");
        out.flush();
        return ok ? ExitCode.OK : ExitCode.DIFFERENCES;
    }
}
