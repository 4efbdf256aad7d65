package dev.delta.node.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.ReleaseSpare;
import dev.delta.node.demo.NodeProcess;
import dev.delta.node.edge.Syncer;
import dev.delta.node.edge.WarmUp;
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
import java.util.concurrent.TimeUnit;

/**
 * Delta's side of a scenario, in two forms. Both start an origin {@code delta serve} process on
 * 127.0.0.1, publish the old tree and bring every edge to it (not measured), then publish the new
 * tree and measure the edges reaching it; the origin is the measured "server".
 * <ul>
 *   <li>{@link #run} ({@code delta}): one {@code delta sync --json} process per edge, in parallel,
 *       so the figures include a JVM start. Wire bytes are the sync processes' own counters.</li>
 *   <li>{@link #runFollowing} ({@code delta-edge}): every edge is a running {@code delta serve}
 *       node following the origin, as in production; the step runs from the moment the origin's
 *       {@code current} moves to the moment every edge's {@code current} points at the new release
 *       (the origin's announcement latency included; both watched while the publish runs, which
 *       goes on after its switch). Wire bytes, CPU and peak RSS are the edge processes'
 *       over the step.</li>
 * </ul>
 */
final class DeltaSide {
    static final String DATASET = "bench";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_MINUTES = 60;
    /** The tool name of the running-edge measurement. */
    static final String EDGE_TOOL = "delta-edge";
    /** The edges log each sync's phases (manifest, plan, local, fetch, commit), kept with {@code --keep}. */
    private static final List<String> EDGE_LOG_DETAIL =
            List.of("-Dorg.slf4j.simpleLogger.log.dev.delta.node.edge.Syncer=debug");

    private DeltaSide() {
    }

    /** Runs the scenario's measured step through Delta and checks every edge against {@code want}. */
    static ToolResult run(Scenario s, BenchData.Trees trees, Path work, Manifest want, Settle settle)
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
            settle.apply(work); // the step starts with nothing of the setup's writes pending
            ProcessHandle originHandle = ProcessHandle.of(origin.pid()).orElse(null);
            ProcessMeter.Batch b = ProcessMeter.run(syncs, work, "sync", originHandle, TIMEOUT_MINUTES);
            return result(b, published, edges, want);
        }
    }

    /** Runs the scenario's step with running edge nodes that follow the origin; checks every edge. */
    static ToolResult runFollowing(Scenario s, BenchData.Trees trees, Path work, Manifest want,
                                   Settle settle)
            throws IOException, InterruptedException {
        Files.createDirectories(work);
        String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Path cfg = Files.writeString(work.resolve("origin.json"), "{\"role\": \"origin\", \"data_dir\": \"origin-data\", "
                + "\"listen\": \"127.0.0.1:0\", \"secret\": \"" + secret + "\"}\n");
        List<NodeProcess> edges = new ArrayList<>();
        try (NodeProcess origin = NodeProcess.start("origin", cfg, work)) {
            Publisher pub = new Publisher(work.resolve("origin-data"), DATASET);
            long oldVersion = trees.oldTree() == null ? 0 : pub.publish(trees.oldTree()).version();
            for (int i = 0; i < s.receivers(); i++) {
                Path ec = Files.writeString(work.resolve("edge-" + i + ".json"), "{\"role\": \"edge\", "
                        + "\"data_dir\": \"edge-" + i + "\", \"listen\": \"127.0.0.1:0\", \"upstream\": \"127.0.0.1:"
                        + origin.port() + "\", \"datasets\": [\"" + DATASET + "\"], \"secret\": \"" + secret + "\"}\n");
                edges.add(NodeProcess.start("edge-" + i, ec, work, EDGE_LOG_DETAIL));
            }
            for (NodeProcess e : edges) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
                awaitVersion(e, work.resolve(e.name()), oldVersion, deadline);
                if (oldVersion > 0) {
                    awaitMirror(work.resolve(e.name()), deadline);
                    awaitSpare(e, work.resolve(e.name()), oldVersion, deadline);
                }
            }
            if (oldVersion == 0 || trees.files() > WarmUp.FILES) { // the nodes warm up once, while idle
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
                awaitWarmUp(origin, deadline); // an origin that has published nothing warms up too
                for (NodeProcess e : edges) { // an edge holding nothing warms up while it waits for a version
                    awaitWarmUp(e, deadline);
                }
            }
            settle.apply(work); // the publish's own writes are the step's; the setup's are not
            long[] cpu0 = new long[edges.size()];
            for (int i = 0; i < edges.size(); i++) {
                cpu0[i] = ProcFs.cpuMillis(Long.toString(edges.get(i).pid()), true);
                ProcFs.resetPeakRss(edges.get(i).pid());
            }
            String originPid = Long.toString(origin.pid());
            long srvCpu0 = ProcFs.cpuMillis(originPid, true);
            boolean srvReset = ProcFs.resetPeakRss(origin.pid());
            long p0 = System.nanoTime();
            SwitchClock clock = SwitchClock.start(work.resolve("origin-data").resolve(DATASET).resolve("current"),
                    oldVersion);
            // Watched from before the publish: an edge may switch while the publish is still
            // packing groups after the origin's switch, and that moment is the step's end.
            List<SwitchClock> edgeClocks = new ArrayList<>();
            for (NodeProcess e : edges) {
                edgeClocks.add(SwitchClock.start(work.resolve(e.name()).resolve(DATASET).resolve("current"),
                        oldVersion, EDGE_CLOCK_NANOS));
            }
            PublishResult published = pub.publish(trees.newTree());
            long t0 = clock.stop(); // the origin's current moved: from here on edges can be told
            long deadline = t0 + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
            long end = t0;
            for (int i = 0; i < edges.size(); i++) {
                NodeProcess e = edges.get(i);
                long seen = awaitSwitch(e, edgeClocks.get(i), deadline);
                end = Math.max(end, edgeClocks.get(i).stopAt(seen));
            }
            long wall = (end - t0) / 1_000_000;
            long cpu = 0;
            long rss = 0;
            for (int i = 0; i < edges.size(); i++) {
                long c = ProcFs.cpuMillis(Long.toString(edges.get(i).pid()), true);
                cpu = cpu < 0 || c < 0 || cpu0[i] < 0 ? -1 : cpu + c - cpu0[i];
                rss = Math.max(rss, ProcFs.peakRss(edges.get(i).pid()));
            }
            long srvCpu1 = ProcFs.cpuMillis(originPid, true);
            long srvCpu = srvCpu0 < 0 || srvCpu1 < 0 ? -1 : srvCpu1 - srvCpu0;
            long srvRss = srvReset ? ProcFs.peakRss(origin.pid()) : -1;
            Edges sum = new Edges();
            for (int i = 0; i < edges.size(); i++) {
                Path data = work.resolve(edges.get(i).name());
                sum.add(i, awaitStatus(edges.get(i), data, published.version(), deadline),
                        DatasetStore.open(data, DATASET).currentLink(), want);
            }
            Map<String, Object> extra = sum.extra(published);
            extra.put("publish_ms", (t0 - p0) / 1_000_000); // until the switch
            return new ToolResult(EDGE_TOOL, wall, sum.up, sum.down, cpu, rss, srvCpu, srvRss, sum.problems, extra);
        } finally {
            for (NodeProcess e : edges) {
                e.close();
            }
        }
    }

    /**
     * Waits until the edge's {@code current} points at {@code version} (0: nothing to wait for) and
     * returns the {@link System#nanoTime()} it was seen; polls every millisecond.
     */
    private static long awaitVersion(NodeProcess edge, Path dataDir, long version, long deadline)
            throws IOException, InterruptedException {
        if (version == 0) {
            return System.nanoTime();
        }
        Path current = dataDir.resolve(DATASET).resolve("current");
        String want = "releases/v" + version;
        while (true) {
            try {
                if (Files.readSymbolicLink(current).toString().equals(want)) {
                    return System.nanoTime();
                }
            } catch (java.nio.file.NoSuchFileException | java.nio.file.NotLinkException notYet) {
                // not synced yet
            }
            if (!edge.isAlive()) {
                throw new IOException(edge + " exited before reaching v" + version + ":\n" + NodeProcess.tail(edge.log()));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(edge + " did not reach v" + version + " within " + TIMEOUT_MINUTES + " min:\n"
                        + NodeProcess.tail(edge.log()));
            }
            Thread.sleep(1);
        }
    }

    /** How often the bench reads a measured edge's {@code current} link: the step's end, within 2 ms. */
    static final long EDGE_CLOCK_NANOS = 2_000_000;

    /**
     * Waits until the edge's clock saw its {@code current} move past the old version and returns
     * when (its {@link System#nanoTime()}); the clock is the only thread reading the link.
     */
    private static long awaitSwitch(NodeProcess edge, SwitchClock clock, long deadline)
            throws IOException, InterruptedException {
        while (true) {
            long seen = clock.awaitSwitch(50);
            if (seen != 0) {
                return seen;
            }
            if (!edge.isAlive()) {
                throw new IOException(edge + " exited before switching to the new version:\n"
                        + NodeProcess.tail(edge.log()));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(edge + " did not switch to the new version within " + TIMEOUT_MINUTES
                        + " min:\n" + NodeProcess.tail(edge.log()));
            }
        }
    }

    /**
     * Waits (at most two minutes) until an idle edge has linked its mirror of the current release,
     * as a following edge does between versions, so the measured step starts from that state.
     */
    private static void awaitMirror(Path dataDir, long deadline) throws IOException, InterruptedException {
        Path mirrors = dataDir.resolve(DATASET).resolve(".delta/mirror");
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
        while (System.nanoTime() < until) {
            if (Files.isDirectory(mirrors)) {
                try (var s = Files.list(mirrors)) {
                    if (s.anyMatch(p -> p.getFileName().toString().endsWith(".ready"))) {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits (at most two minutes) until an idle edge whose current release has a big file has
     * written its spare file ({@link ReleaseSpare}), as a following edge does between versions, or
     * said that the disk has no room for one.
     */
    private static void awaitSpare(NodeProcess edge, Path dataDir, long version, long deadline)
            throws IOException, InterruptedException {
        DatasetStore store = DatasetStore.open(dataDir, DATASET);
        long want = ReleaseSpare.enabled() ? ReleaseSpare.wanted(store.manifest(version)) : 0;
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
        while (want > 0 && ReleaseSpare.size(store) < want && System.nanoTime() < until) {
            if (Files.readString(edge.log()).contains(Syncer.NO_SPARE_LINE)) {
                System.err.println(edge + ": " + Syncer.NO_SPARE_LINE);
                return;
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits (at most two minutes) until a node has run its warm-up ({@link WarmUp}, once per
     * process while idle, when its dataset is big enough; it says so in its log), so that the
     * measured step starts after it, as a node's updates do once it has been running a while.
     */
    private static void awaitWarmUp(NodeProcess node, long deadline) throws IOException, InterruptedException {
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.MINUTES.toNanos(2));
        while (System.nanoTime() < until) {
            String log = Files.readString(node.log());
            if (log.contains(WarmUp.DONE_LINE) || log.contains(WarmUp.FAILED_LINE)
                    || log.contains(WarmUp.GAVE_UP_LINE)) {
                return;
            }
            if (!node.isAlive()) {
                throw new IOException(node + " exited:\n" + NodeProcess.tail(node.log()));
            }
            Thread.sleep(50);
        }
    }

    /** The edge's {@code last-sync.json} once it describes the sync to {@code version} (written after the switch). */
    private static JsonNode awaitStatus(NodeProcess edge, Path dataDir, long version, long deadline)
            throws IOException, InterruptedException {
        Path status = dataDir.resolve(DATASET).resolve(".delta/last-sync.json");
        while (true) {
            if (Files.exists(status)) {
                JsonNode j = JSON.readTree(status.toFile());
                if (j.get("version").asLong() == version) {
                    return j;
                }
            }
            if (!edge.isAlive() || System.nanoTime() > deadline) {
                throw new IOException(edge + " wrote no status of its sync to v" + version + ":\n"
                        + NodeProcess.tail(edge.log()));
            }
            Thread.sleep(5);
        }
    }

    private static ToolResult result(ProcessMeter.Batch b, PublishResult published, List<Path> edges, Manifest want)
            throws IOException {
        Edges sum = new Edges();
        for (int i = 0; i < b.runs().size(); i++) {
            ProcessMeter.Run r = b.runs().get(i);
            if (r.exit() != 0) {
                sum.problems.add("edge " + i + ": delta sync exited with " + r.exit() + ": " + r.stderr().strip());
                continue;
            }
            JsonNode j = JSON.readTree(r.stdout());
            if (j.get("version").asLong() != published.version()) {
                sum.problems.add("edge " + i + ": synced to v" + j.get("version").asLong() + ", expected v"
                        + published.version());
            }
            sum.add(i, j, DatasetStore.open(edges.get(i), DATASET).currentLink(), want);
        }
        return new ToolResult("delta", b.wallMillis(), sum.up, sum.down, b.cpuMillis(), b.maxPeakRss(),
                b.serverCpuMillis(), b.serverPeakRssBytes(), sum.problems, sum.extra(published));
    }

    /** The edges' figures summed (bytes) or maxed (times, manifest), from their sync reports, and their checks. */
    private static final class Edges {
        final List<String> problems = new ArrayList<>();
        long up;
        long down;
        long reported;
        long manifestBytes;
        long fetched;

        /** Adds one edge's sync report ({@code delta sync --json} or its {@code last-sync.json}) and checks its tree. */
        void add(int edge, JsonNode j, Path current, Manifest want) throws IOException {
            up += j.get("wire_bytes_sent").asLong();
            down += j.get("wire_bytes_received").asLong();
            reported = Math.max(reported, j.get("duration_ms").asLong());
            manifestBytes = Math.max(manifestBytes, j.get("manifest_bytes").asLong());
            fetched += j.get("bytes_fetched").asLong();
            problems.addAll(TreeCheck.differences("edge " + edge, want, current));
        }

        Map<String, Object> extra(PublishResult published) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("sync_reported_ms", reported);
            extra.put("manifest_bytes", manifestBytes);
            extra.put("bytes_fetched", fetched);
            extra.put("new_version", published.version());
            extra.put("new_version_created", published.created());
            return extra;
        }
    }
}
