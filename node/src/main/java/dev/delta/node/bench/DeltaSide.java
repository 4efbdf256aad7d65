package dev.delta.node.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.demo.NodeProcess;
import dev.delta.node.origin.PublishResult;
import dev.delta.node.origin.Publisher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Delta's side of a scenario: an origin {@code delta serve} process on 127.0.0.1, the old tree
 * published and brought to every edge (not measured), then the new tree published and the
 * measured step: one {@code delta sync --json} process per edge, in parallel. Wire bytes are the
 * sync processes' own counters; the origin is the measured "server".
 */
final class DeltaSide {
    static final String DATASET = "bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_MINUTES = 60;

    private DeltaSide() {
    }

    /** Runs the scenario's measured step through Delta and checks every edge against {@code want}. */
    static ToolResult run(Scenario s, BenchData.Trees trees, Path work, Manifest want)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Path secretFile = Files.writeString(work.resolve("secret"), secret + "\n");
        Path cfg = Files.writeString(work.resolve("origin.json"), "{\"role\": \"origin\", \"data_dir\": \"origin-data\", "
                + "\"listen\": \"127.0.0.1:0\", \"secret\": \"" + secret + "\"}\n");
        List<Path> edges = new ArrayList<>();
        for (int i = 0; i < s.receivers(); i++) {
            edges.add(work.resolve("edge-" + i));
        }
        try (NodeProcess origin = NodeProcess.start("origin", cfg, work)) {
            Publisher pub = new Publisher(work.resolve("origin-data"), DATASET);
            List<List<String>> syncs = new ArrayList<>();
            for (Path e : edges) {
                syncs.add(NodeProcess.deltaCommand("sync", "--upstream", "127.0.0.1:" + origin.port(), "--secret-file",
                        secretFile.toString(), "--dataset", DATASET, "--data", e.toString(), "--json", "-q"));
            }
            if (trees.oldTree() != null) {
                pub.publish(trees.oldTree());
                ProcessMeter.Batch prime = ProcessMeter.run(syncs, work, "prime", null, TIMEOUT_MINUTES);
                for (ProcessMeter.Run r : prime.runs()) {
                    if (r.exit() != 0) {
                        throw new IOException("delta sync to the old version exited with " + r.exit() + ": "
                                + r.stderr().strip());
                    }
                }
            }
            PublishResult published = pub.publish(trees.newTree());
            ProcessHandle originHandle = ProcessHandle.of(origin.pid()).orElse(null);
            ProcessMeter.Batch b = ProcessMeter.run(syncs, work, "sync", originHandle, TIMEOUT_MINUTES);
            return result(b, published, edges, want);
        }
    }

    private static ToolResult result(ProcessMeter.Batch b, PublishResult published, List<Path> edges, Manifest want)
            throws IOException {
        List<String> problems = new ArrayList<>();
        long up = 0;
        long down = 0;
        long reported = 0;
        long manifestBytes = 0;
        long fetched = 0;
        for (int i = 0; i < b.runs().size(); i++) {
            ProcessMeter.Run r = b.runs().get(i);
            if (r.exit() != 0) {
                problems.add("edge " + i + ": delta sync exited with " + r.exit() + ": " + r.stderr().strip());
                continue;
            }
            JsonNode j = JSON.readTree(r.stdout());
            if (j.get("version").asLong() != published.version()) {
                problems.add("edge " + i + ": synced to v" + j.get("version").asLong() + ", expected v"
                        + published.version());
            }
            up += j.get("wire_bytes_sent").asLong();
            down += j.get("wire_bytes_received").asLong();
            reported = Math.max(reported, j.get("duration_ms").asLong());
            manifestBytes = Math.max(manifestBytes, j.get("manifest_bytes").asLong());
            fetched += j.get("bytes_fetched").asLong();
            Path current = DatasetStore.open(edges.get(i), DATASET).currentLink();
            problems.addAll(TreeCheck.differences("edge " + i, want, current));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("sync_reported_ms", reported);
        extra.put("manifest_bytes", manifestBytes);
        extra.put("bytes_fetched", fetched);
        extra.put("new_version", published.version());
        extra.put("new_version_created", published.created());
        return new ToolResult("delta", b.wallMillis(), up, down, b.cpuMillis(), b.maxPeakRss(), b.serverCpuMillis(),
                b.serverPeakRssBytes(), problems, extra);
    }
}
