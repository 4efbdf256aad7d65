package dev.delta.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Smoke test of {@code delta bench} at small scale, so that the runner cannot rot: the real runs
 * are benchmarks, not tests. With rsync installed it compares against it; without, it checks that
 * the runner says how to install rsync and still measures Delta.
 */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS) // about 20 s on two busy cores
    void smallRun_isCorrectAndDeltaSendsLittle() throws Exception {
        boolean rsync = onPath("rsync");
        Path json = tmp.resolve("bench.json");
        Path work = tmp.resolve("work");
        List<String> args = new ArrayList<>(List.of("bench", "--scale", "small", "--scenario", "source-tree",
                "--scenario", "no-change", "--json", json.toString(), "--dir", work.toString(), "--vs-rsync"));
        CliRunner r = CliRunner.run(args.toArray(String[]::new));

        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("bench OK"), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        assertFalse(Files.exists(work), "the working directory is removed without --keep");
        if (!rsync) {
            assertTrue(r.out().contains("apt-get install rsync"), "must say how to install rsync:\n" + r.out());
        }

        JsonNode doc = JSON.readTree(json.toFile());
        for (String f : List.of("machine", "jdk", "rsync", "scale", "seed", "all_correct", "scenarios")) {
            assertTrue(doc.has(f), "JSON lacks '" + f + "': " + doc);
        }
        assertTrue(doc.get("all_correct").asBoolean());
        assertEquals(2, doc.get("scenarios").size());
        JsonNode tree = scenario(doc, "source-tree");
        JsonNode same = scenario(doc, "no-change");
        for (JsonNode s : List.of(tree, same)) {
            JsonNode tools = s.get("tools");
            int deltaRows = s == same ? 1 : 2; // an unchanged publish makes no version for a following edge
            assertEquals(rsync ? deltaRows + 2 : deltaRows, tools.size(), tools.toString());
            tools.fields().forEachRemaining(t -> {
                for (String f : List.of("correct", "wall_ms", "wire_bytes_up", "wire_bytes_down", "cpu_ms",
                        "peak_rss_bytes", "server_cpu_ms", "server_peak_rss_bytes")) {
                    assertTrue(t.getValue().has(f), t.getKey() + " lacks '" + f + "'");
                }
                assertTrue(t.getValue().get("correct").asBoolean(), t.toString());
                assertTrue(t.getValue().get("wall_ms").asLong() > 0, t.toString());
                assertTrue(t.getValue().get("wire_bytes_down").asLong() > 0, t.toString());
                assertTrue(t.getValue().get("cpu_ms").asLong() >= 0, t.toString());
            });
            assertTrue(tools.get("delta").get("peak_rss_bytes").asLong() > 1 << 20, tools.toString());
        }

        JsonNode d0 = same.get("tools").get("delta");
        long noChangeWire = d0.get("wire_bytes_up").asLong() + d0.get("wire_bytes_down").asLong();
        assertTrue(noChangeWire <= 2048 + d0.get("manifest_bytes").asLong(),
                "no-change should cost a round trip, not " + noChangeWire + " bytes: " + d0);

        JsonNode d1 = tree.get("tools").get("delta");
        long treeWire = d1.get("wire_bytes_up").asLong() + d1.get("wire_bytes_down").asLong();
        long dataset = tree.get("bytes").asLong();
        assertTrue(treeWire * 10 < dataset, "a 2% update should cross as a small part of the " + dataset
                + " byte dataset, not " + treeWire + " bytes: " + d1);
        JsonNode e1 = tree.get("tools").get("delta-edge");
        long edgeWire = e1.get("wire_bytes_up").asLong() + e1.get("wire_bytes_down").asLong();
        assertTrue(edgeWire * 10 < dataset, "a following edge should fetch as little: " + e1);
        assertEquals(d1.get("bytes_fetched").asLong(), e1.get("bytes_fetched").asLong(), "same plan, same bytes");
        assertTrue(e1.get("wall_ms").asLong() < d1.get("wall_ms").asLong(),
                "a running edge pays no JVM start: " + e1 + " vs " + d1);
        if (rsync) {
            assertFalse(doc.get("rsync").isNull());
            assertTrue(tree.get("ratios").get("wall_edge_over_rsync").isNumber(), tree.toString());
            assertNotNull(tree.get("ratios").get("wall_delta_over_rsync"));
            assertTrue(tree.get("ratios").get("wire_delta_over_rsync_zstd").isNumber(), tree.toString());
        }
    }

    /** Two rounds: every step runs twice, the second round in the reverse order, and both are reported. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoRounds_runEveryStepTwiceInAlternatingOrder() throws Exception {
        boolean rsync = onPath("rsync");
        Path json = tmp.resolve("rounds.json");
        CliRunner r = CliRunner.run("bench", "--scale", "small", "--scenario", "no-change", "--rounds", "2",
                "--json", json.toString(), "--dir", tmp.resolve("work").toString(), "--vs-rsync");

        assertEquals(0, r.code(), r.toString());
        String order = rsync ? "delta, rsync, rsync-zstd" : "delta";
        String reverse = rsync ? "rsync-zstd, rsync, delta" : "delta";
        assertTrue(r.out().contains("no-change: round 1 of 2: " + order), r.out());
        assertTrue(r.out().contains("no-change: round 2 of 2: " + reverse), r.out());
        JsonNode doc = JSON.readTree(json.toFile());
        assertEquals(2, doc.get("rounds").asInt());
        JsonNode same = scenario(doc, "no-change");
        assertEquals(2, same.get("rounds").size());
        for (JsonNode round : same.get("rounds")) {
            assertTrue(round.get("delta").get("correct").asBoolean(), round.toString());
            assertEquals(rsync ? 3 : 1, round.size(), round.toString());
        }
        long a = same.get("rounds").get(0).get("delta").get("wall_ms").asLong();
        long b = same.get("rounds").get(1).get("delta").get("wall_ms").asLong();
        assertEquals(Math.min(a, b), same.get("tools").get("delta").get("wall_ms").asLong(),
                "of two rounds, the row is the faster (the lower middle)");
        if (rsync) {
            assertEquals(2, same.get("ratios_per_round").get("wall_delta_over_rsync").size(), same.toString());
        }
    }

    @Test
    void roundsOutOfRange_isAUsageError() {
        CliRunner r = CliRunner.run("bench", "--rounds", "0");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("--rounds must be 1 to"), r.err());
    }

    @Test
    void unknownScenario_isAUsageError() {
        CliRunner r = CliRunner.run("bench", "--scenario", "nope");
        assertEquals(ExitCode.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains("source-tree"), "lists the scenarios: " + r.err());
    }

    private static JsonNode scenario(JsonNode doc, String name) {
        for (JsonNode s : doc.get("scenarios")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no scenario " + name + " in " + doc);
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d.isEmpty() ? "." : d, exe))) {
                return true;
            }
        }
        return false;
    }
}
