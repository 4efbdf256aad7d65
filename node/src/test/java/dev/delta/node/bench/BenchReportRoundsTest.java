package dev.delta.node.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a run of several rounds is summed up: which round a row shows, and the ratios' medians. */
class BenchReportRoundsTest {
    @TempDir
    Path tmp;

    private static ToolResult tool(String name, long wallMs, long wire) {
        return new ToolResult(name, wallMs, wire / 10, wire - wire / 10, wallMs, 1 << 20, 10, 1 << 20, List.of(),
                Map.of());
    }

    private static ToolResult wrong(String name, long wallMs) {
        return new ToolResult(name, wallMs, 1, 1, 1, 1, 1, 1, List.of("differs: a"), Map.of());
    }

    private static List<ToolResult> round(long delta, long edge, long rsync, long rsyncZstdWire) {
        return List.of(tool("delta", delta, 1_000), tool(DeltaSide.EDGE_TOOL, edge, 1_000), tool("rsync", rsync, 9_000),
                tool("rsync-zstd", rsync + 100, rsyncZstdWire));
    }

    @Test
    void rowIsTheRoundOfMedianWall_andRatiosAreMediansOfEachRoundsOwn() throws Exception {
        // round 2 is the slow minute for both tools: its ratio is as good as the others'
        List<List<ToolResult>> rounds = List.of(round(900, 300, 3_000, 2_000), round(2_700, 900, 9_000, 2_000),
                round(1_000, 500, 2_500, 4_000));
        BenchReport.ScenarioResult s = BenchReport.ScenarioResult.of(Scenario.SOURCE_TREE, 10, 100, rounds);

        assertEquals(1_000, s.tool("delta").wallMillis(), "the median of 900, 1000, 2700");
        assertEquals(3_000, s.tool("rsync").wallMillis(), "the median of 2500, 3000, 9000");
        assertEquals(List.of(0.1, 0.1, 0.2), s.roundRatios(DeltaSide.EDGE_TOOL, "rsync", false));
        assertEquals(0.1, BenchReport.median(s.roundRatios(DeltaSide.EDGE_TOOL, "rsync", false)), 1e-9);
        // A ratio of the medians would be 500 / 3000, from rounds that ran in different minutes.
        assertEquals(0.3, BenchReport.median(s.roundRatios("delta", "rsync", false)), 1e-9);
        assertEquals(List.of(0.5, 0.5, 0.25), s.roundRatios("delta", "rsync-zstd", true));

        BenchReport report = report(3);
        report.add(s);
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table));
        assertTrue(table.toString().contains("0.100x (0.100-0.200)"), table.toString());
        assertTrue(table.toString().contains("0.300x (0.300-0.400)"), table.toString());
        assertTrue(table.toString().contains("3 rounds"), table.toString());

        Path json = tmp.resolve("r.json");
        report.writeJson(json);
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        assertEquals(3, doc.get("rounds").asInt());
        JsonNode sc = doc.get("scenarios").get(0);
        assertEquals(0.1, sc.get("ratios").get("wall_edge_over_rsync").asDouble(), 1e-9);
        assertEquals(0.5, sc.get("ratios").get("wire_delta_over_rsync_zstd").asDouble(), 1e-9);
        assertEquals(3, sc.get("ratios_per_round").get("wall_edge_over_rsync").size());
        assertEquals(3, sc.get("rounds").size());
        assertEquals(2_700, sc.get("rounds").get(1).get("delta").get("wall_ms").asLong());
        assertEquals(1_000, sc.get("tools").get("delta").get("wall_ms").asLong());
    }

    @Test
    void evenCount_rowIsTheLowerMiddle_ratioTheMeanOfTheMiddleTwo() {
        List<List<ToolResult>> rounds = List.of(round(1_000, 400, 2_000, 2_000), round(1_200, 600, 2_000, 2_000));
        BenchReport.ScenarioResult s = BenchReport.ScenarioResult.of(Scenario.SOURCE_TREE, 10, 100, rounds);

        assertEquals(1_000, s.tool("delta").wallMillis());
        assertEquals(0.25, BenchReport.median(s.roundRatios(DeltaSide.EDGE_TOOL, "rsync", false)), 1e-9);
    }

    @Test
    void aWrongRound_isTheRowShown_andTheRunIsNotCorrect_butOtherRoundsStillGiveRatios() {
        ToolResult bad = wrong("delta", 500);
        List<List<ToolResult>> rounds = List.of(round(1_000, 400, 2_000, 2_000),
                List.of(bad, tool("rsync", 2_000, 9_000)), round(1_100, 400, 2_000, 2_000));
        BenchReport.ScenarioResult s = BenchReport.ScenarioResult.of(Scenario.SOURCE_TREE, 10, 100, rounds);

        assertSame(bad, s.tool("delta"), "a failure is never hidden behind a median");
        assertEquals(List.of(0.5, 0.55), s.roundRatios("delta", "rsync", false), "the wrong round gives no ratio");
        BenchReport report = report(3);
        report.add(s);
        assertFalse(report.allCorrect());
    }

    @Test
    void oneRound_reportsAsBefore() {
        BenchReport.ScenarioResult s = BenchReport.ScenarioResult.of(Scenario.SOURCE_TREE, 10, 100,
                List.of(round(1_000, 400, 2_000, 2_000)));
        BenchReport report = report(1);
        report.add(s);
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table));
        assertTrue(table.toString().contains(" 0.200x "), table.toString());
        assertFalse(table.toString().contains("rounds"), table.toString());
        assertTrue(report.allCorrect());
    }

    @Test
    void roundsOutOfRange_areRefused() {
        for (int n : new int[]{0, -1, BenchRunner.MAX_ROUNDS + 1}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new BenchRunner.Options(List.of(Scenario.COLD), false, Scale.SMALL, 1, tmp, false, n));
            assertTrue(e.getMessage().contains("rounds"), e.getMessage());
        }
    }

    private BenchReport report(int rounds) {
        return new BenchReport(new BenchRunner.Options(List.of(Scenario.SOURCE_TREE), true, Scale.SMALL, 42, tmp,
                false, rounds), "rsync 3", true);
    }
}
