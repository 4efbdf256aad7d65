package dev.delta.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RenderResultsTest {
    private static final String RUN = "[{\"jmhVersion\":\"1.37\",\"benchmark\":\"dev.delta.benchmarks.Lz4Benchmark.safeDecompress\","
            + "\"mode\":\"thrpt\",\"threads\":1,\"forks\":1,\"jdkVersion\":\"17.0.15\",\"vmName\":\"OpenJDK 64-Bit Server VM\","
            + "\"vmVersion\":\"17.0.15+6\",\"warmupIterations\":2,\"warmupTime\":\"1 s\",\"measurementIterations\":3,"
            + "\"measurementTime\":\"2 s\",\"params\":{\"impl\":\"fastest\",\"kind\":\"text\",\"size\":\"65536\"},"
            + "\"primaryMetric\":{\"score\":45678.9,\"scoreError\":1234.5,\"scoreUnit\":\"ops/s\"},"
            + "\"secondaryMetrics\":{\"bytes\":{\"score\":2993564672.0,\"scoreError\":80904192.0,\"scoreUnit\":\"ops/s\"},"
            + "\"gc.alloc.rate.norm\":{\"score\":0.0123,\"scoreError\":0.001,\"scoreUnit\":\"B/op\"}}},"
            + "{\"jmhVersion\":\"1.37\",\"benchmark\":\"dev.delta.benchmarks.ManifestBenchmark.decode\","
            + "\"mode\":\"thrpt\",\"threads\":1,\"forks\":1,\"jdkVersion\":\"17.0.15\",\"vmName\":\"OpenJDK 64-Bit Server VM\","
            + "\"vmVersion\":\"17.0.15+6\",\"warmupIterations\":2,\"warmupTime\":\"1 s\",\"measurementIterations\":3,"
            + "\"measurementTime\":\"2 s\",\"params\":{},"
            + "\"primaryMetric\":{\"score\":4.0,\"scoreError\":\"NaN\",\"scoreUnit\":\"ops/s\"},"
            + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":52428800.0,\"scoreError\":1.0,\"scoreUnit\":\"B/op\"}}}]";

    private static List<JsonNode> runs() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(RUN).forEach(out::add);
        return out;
    }

    @Test
    void render_tableRowPerBenchmark() throws Exception {
        String md = RenderResults.render(runs());
        String[] lines = md.split("\n");
        assertEquals("JMH 1.37, JDK 17.0.15+6 (OpenJDK 64-Bit Server VM), 1 fork(s), warmup 2 × 1 s, measurement 3 × 2 s",
                lines[0]);
        assertEquals("| benchmark | params | score | per op | bytes/s | alloc/op |", lines[2]);
        assertEquals("| `Lz4Benchmark.safeDecompress` | impl=fastest, kind=text, size=65536 | 45,679 ± 1,235 ops/s "
                + "| 21.9 µs | 2.99 ± 0.0809 GB/s | 0.0123 B |", lines[4]);
        assertEquals("| `ManifestBenchmark.decode` |  | 4.00 ± NaN ops/s | 250 ms |  | 52.4 MB |", lines[5]);
        assertEquals(6, lines.length, md);
    }

    @Test
    void num_threeSignificantDigits() {
        assertEquals("1,890", RenderResults.num(1889.6));
        assertEquals("18.4", RenderResults.num(18.393));
        assertEquals("0.00196", RenderResults.num(0.0019585));
        assertEquals("0", RenderResults.num(0));
    }

    @Test
    void perOp_convertsThroughputAndAverageTime() {
        assertEquals("50.0 ns", RenderResults.perOp("thrpt", 20_000_000, "ops/s"));
        assertEquals("2.00 ms", RenderResults.perOp("thrpt", 0.5, "ops/ms"));
        assertEquals("1.50 s", RenderResults.perOp("avgt", 1500, "ms/op"));
        assertEquals("", RenderResults.perOp("thrpt", 1, "MB/s"));
    }

    @Test
    void shortName_keepsClassAndMethod() {
        assertEquals("A.b", RenderResults.shortName("x.y.A.b"));
        assertEquals("A.b", RenderResults.shortName("A.b"));
        assertTrue(RenderResults.bytes(73).equals("73.0 B"));
    }
}
