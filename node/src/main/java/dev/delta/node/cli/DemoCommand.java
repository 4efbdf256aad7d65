package dev.delta.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.demo.DemoData;
import dev.delta.node.demo.NodeProcess;
import dev.delta.node.origin.PublishResult;
import dev.delta.node.origin.Publisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code delta demo}: an origin and an edge as separate processes on loopback, a generated
 * dataset published, edited and published again, the edge following, a rollback — every step
 * checked, a summary table at the end, nothing left running.
 */
@Command(name = "demo",
        header = "Run the tour in a temporary directory, checking every step.",
        description = "Run the tour in a temporary directory: start an origin and an edge ('delta serve' "
                + "processes on 127.0.0.1), publish a generated dataset, watch the edge replicate it, edit "
                + "the tree like a release and publish again, watch the edge fetch only what changed, roll "
                + "the edge back and forward, and check every step against the source. Exits 0 when every "
                + "step checked out; leaves nothing running.")
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work in DIR (must not exist) instead of a temporary directory.")
    Path dir;

    @Option(names = "--keep", description = "Keep the working directory (data, configs, node logs) afterwards.")
    boolean keep;

    @Option(names = "--files", paramLabel = "N", defaultValue = "600", description = "Text files to generate (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--blob-mib", paramLabel = "MIB", defaultValue = "8", description = "Size of each of the 3 binary files (default: ${DEFAULT-VALUE}).")
    int blobMib;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    private PrintWriter out;
    private final List<String[]> table = new ArrayList<>();
    private boolean ok = true;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (files < 10 || blobMib < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--files must be >= 10 and --blob-mib >= 1");
        }
        Path work = dir != null ? Files.createDirectory(dir) : Files.createTempDirectory("delta-demo-");
        String failure = null;
        try {
            run(work);
        } catch (Exception e) {
            failure = Main.describe(e);
            ok = false;
        } finally {
            if (!keep && ok) {
                DatasetStore.deleteTree(work);
            } else {
                out.println("kept " + work + " (node logs: origin.log, edge.log)");
            }
        }
        out.println();
        out.printf("%-28s %4s %11s %11s %11s %11s %9s  %s%n", "step", "ver", "dataset", "wire in",
                "new/fetched", "reused", "time", "check");
        for (String[] r : table) {
            out.printf("%-28s %4s %11s %11s %11s %11s %9s  %s%n", (Object[]) r);
        }
        out.println();
        if (failure != null) {
            out.println("demo FAILED: " + failure);
        } else {
            out.println(ok ? "demo OK: every step checked out" : "demo FAILED: see the steps marked FAIL above");
        }
        out.flush();
        return ok ? ExitCode.OK : ExitCode.BAD_INPUT;
    }

    private void run(Path work) throws Exception {
        Path source = Files.createDirectories(work.resolve("source"));
        Path originData = work.resolve("origin-data");
        Path edgeData = work.resolve("edge-data");
        String secret = HexFormat.of().formatHex(SecureRandom.getInstanceStrong().generateSeed(16));
        out.println("working in " + work);

        DemoData data = new DemoData(seed);
        DemoData.Summary gen = data.generate(source, files, blobMib);
        out.printf("generated %s files (%s) in %s%n", Units.count(gen.files()), Units.bytes(gen.bytes()), source);

        Path originCfg = work.resolve("origin.json");
        Files.writeString(originCfg, "{\"role\": \"origin\", \"data_dir\": \"origin-data\", \"listen\": \"127.0.0.1:0\", "
                + "\"secret\": \"" + secret + "\"}\n");
        try (NodeProcess origin = NodeProcess.start("origin", originCfg, work)) {
            out.println("started origin " + origin);
            Publisher pub = new Publisher(originData, "demo");
            long t0 = System.nanoTime();
            PublishResult v1 = pub.publish(source);
            step("origin: publish v1", v1.version(), v1.bytesTotal(), -1, v1.bytesNew(), -1, t0, v1.created());

            Path edgeCfg = work.resolve("edge.json");
            Files.writeString(edgeCfg, "{\"role\": \"edge\", \"data_dir\": \"edge-data\", \"listen\": \"127.0.0.1:0\", "
                    + "\"upstream\": \"127.0.0.1:" + origin.port() + "\", \"datasets\": [\"demo\"], "
                    + "\"secret\": \"" + secret + "\"}\n");
            try (NodeProcess edge = NodeProcess.start("edge", edgeCfg, work)) {
                out.println("started edge   " + edge + ", following the origin");
                t0 = System.nanoTime();
                JsonNode s1 = awaitEdge(edgeData, edge, 1);
                syncStep("edge: cold replication v1", s1, t0, verify(edgeData, source));

                out.println("editing the source like a release:");
                for (String line : data.release(source)) {
                    out.println("  - " + line);
                }
                t0 = System.nanoTime();
                PublishResult v2 = pub.publish(source);
                step("origin: publish v2", v2.version(), v2.bytesTotal(), -1, v2.bytesNew(), -1, t0, v2.created());
                t0 = System.nanoTime();
                JsonNode s2 = awaitEdge(edgeData, edge, 2);
                boolean small = s2.get("wire_bytes_received").asLong() * 4 < s2.get("bytes_total").asLong();
                if (!small) {
                    out.println("  the update should cross the wire as a small fraction of the dataset");
                }
                syncStep("edge: follows to v2", s2, t0, verify(edgeData, source) && small);
                out.printf("  v2 is %s; %s crossed the wire (%s), %s reused from v1 on the edge%n",
                        Units.bytes(s2.get("bytes_total").asLong()), Units.bytes(s2.get("wire_bytes_received").asLong()),
                        Units.percent(s2.get("wire_bytes_received").asLong(), s2.get("bytes_total").asLong()),
                        Units.bytes(s2.get("bytes_reused_local").asLong()));

                t0 = System.nanoTime();
                PublishResult same = pub.publish(source);
                step("origin: publish unchanged", same.version(), same.bytesTotal(), -1, 0, -1, t0, !same.created());

                DatasetStore es = DatasetStore.open(edgeData, "demo");
                t0 = System.nanoTime();
                CliRunnerLike.run(out, "rollback", "--data", edgeData.toString(), "--dataset", "demo");
                Manifest m1 = es.manifest(1);
                boolean back = es.current().getAsLong() == 1 && matches(m1, es.currentLink());
                step("edge: rollback to v1", 1, m1.totalBytes(), 0, 0, 0, t0, back);
                t0 = System.nanoTime();
                CliRunnerLike.run(out, "rollback", "--data", edgeData.toString(), "--dataset", "demo", "--release");
                boolean forward = es.current().getAsLong() == 2 && verify(edgeData, source);
                step("edge: release hold -> v2", 2, es.manifest(2).totalBytes(), 0, 0, 0, t0, forward);

                int edgeExit = edge.stop();
                int originExit = origin.stop();
                boolean clean = edgeExit == 0 && originExit == 0;
                out.printf("stopped edge (exit %d) and origin (exit %d) with SIGTERM%n", edgeExit, originExit);
                ok &= clean;
            }
        }
    }

    /** Waits until the edge process reports version {@code v} (its last-sync status file). */
    private JsonNode awaitEdge(Path edgeData, NodeProcess edge, long v) throws Exception {
        Path status = edgeData.resolve("demo/.delta/last-sync.json");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(status)) {
                JsonNode n = JSON.readTree(Files.readString(status));
                if (n.get("version").asLong() == v) {
                    return n;
                }
            }
            if (!edge.isAlive()) {
                throw new IOException("the edge process died:\n" + NodeProcess.tail(edge.log()));
            }
            Thread.sleep(25);
        }
        throw new IOException("the edge did not reach v" + v + " within 120 s:\n" + NodeProcess.tail(edge.log()));
    }

    private boolean verify(Path edgeData, Path source) throws IOException {
        DatasetStore es = DatasetStore.open(edgeData, "demo");
        Manifest m = es.manifest(es.current().getAsLong());
        ScanResult want = new Scanner(ScanOptions.builder("demo").chunker(m.chunker()).build()).scan(source);
        return matches(want.manifest(), es.currentLink()) && m.entries().equals(want.manifest().entries());
    }

    private boolean matches(Manifest m, Path tree) throws IOException {
        ScanResult have = new Scanner(ScanOptions.builder("demo").chunker(m.chunker()).build()).scan(tree.toRealPath());
        ManifestDiff d = ManifestDiff.between(m, have.manifest());
        d.changes().forEach(c -> out.println("  differs: " + c.action().label() + " " + c.path()));
        return !d.hasDifferences() && have.isComplete();
    }

    private void syncStep(String name, JsonNode s, long t0, boolean check) {
        step(name, s.get("version").asLong(), s.get("bytes_total").asLong(), s.get("wire_bytes_received").asLong(),
                s.get("bytes_fetched").asLong(), s.get("bytes_reused_local").asLong(), t0, check);
    }

    private void step(String name, long version, long total, long wire, long fetched, long reused, long t0,
                      boolean check) {
        table.add(new String[]{name, "v" + version, Units.bytes(total), wire < 0 ? "-" : Units.bytes(wire),
                Units.bytes(fetched), reused < 0 ? "-" : Units.bytes(reused),
                Units.millis((System.nanoTime() - t0) / 1_000_000), check ? "ok" : "FAIL"});
        ok &= check;
        out.printf("%s: %s%n", name, check ? "ok" : "FAIL");
    }

    /** Runs a delta subcommand in-process, printing what it prints. */
    private static final class CliRunnerLike {
        static void run(PrintWriter out, String... args) throws IOException {
            int code = Main.run(out, out, args);
            if (code != 0) {
                throw new IOException("'delta " + String.join(" ", args) + "' exited with " + code);
            }
        }
    }
}
