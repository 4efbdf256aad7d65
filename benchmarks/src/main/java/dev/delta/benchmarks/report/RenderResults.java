package dev.delta.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders JMH JSON result files ({@code -rf json}) as one markdown table, so the tables in
 * {@code benchmarks/results/README.md} can be regenerated from the committed files:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.delta.benchmarks.report.RenderResults benchmarks/results/lz4-2026-11-25.json [more.json ...]
 * </pre>
 *
 * <p>Columns: benchmark, parameters, primary score with its 99.9% error, time per operation (for
 * throughput and average-time modes), the {@code bytes} secondary result as bytes per second
 * (see {@code ByteCounter}) and {@code gc.alloc.rate.norm} (bytes allocated per operation, with
 * {@code -prof gc}). A line above the table names the JMH and JDK versions and the run settings.
 */
public final class RenderResults {
    private RenderResults() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: RenderResults RESULT.json [RESULT.json ...]");
            System.exit(2);
        }
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> runs = new ArrayList<>();
        for (String a : args) {
            JsonNode root = mapper.readTree(Files.readString(Path.of(a)));
            if (root == null || !root.isArray()) {
                System.err.println(a + " is not a JMH JSON result file (expected an array)");
                System.exit(2);
            }
            root.forEach(runs::add);
        }
        System.out.print(render(runs));
    }

    /** The settings line and the table for the given JMH result objects. */
    public static String render(List<JsonNode> runs) {
        StringBuilder b = new StringBuilder();
        Set<String> settings = new LinkedHashSet<>();
        for (JsonNode r : runs) {
            settings.add(settings(r));
        }
        for (String s : settings) {
            b.append(s).append("\n");
        }
        b.append("\n| benchmark | params | score | per op | bytes/s | alloc/op |\n");
        b.append("|---|---|---:|---:|---:|---:|\n");
        for (JsonNode r : runs) {
            JsonNode primary = r.path("primaryMetric");
            JsonNode secondary = r.path("secondaryMetrics");
            b.append("| `").append(shortName(r.path("benchmark").asText())).append("` | ")
                    .append(params(r.path("params"))).append(" | ")
                    .append(num(primary.path("score").asDouble())).append(" ± ")
                    .append(num(primary.path("scoreError").asDouble())).append(' ')
                    .append(primary.path("scoreUnit").asText()).append(" | ")
                    .append(perOp(r.path("mode").asText(), primary.path("score").asDouble(),
                            primary.path("scoreUnit").asText())).append(" | ")
                    .append(secondary.has("bytes") ? bytesPerSecond(secondary.get("bytes")) : "").append(" | ")
                    .append(secondary.has("gc.alloc.rate.norm")
                            ? bytes(secondary.get("gc.alloc.rate.norm").path("score").asDouble()) : "")
                    .append(" |\n");
        }
        return b.toString();
    }

    static String settings(JsonNode r) {
        return String.format(Locale.ROOT, "JMH %s, JDK %s (%s), %d fork(s), warmup %d × %s, measurement %d × %s",
                r.path("jmhVersion").asText(), r.path("vmVersion").asText(), r.path("vmName").asText(),
                r.path("forks").asInt(), r.path("warmupIterations").asInt(), r.path("warmupTime").asText(),
                r.path("measurementIterations").asInt(), r.path("measurementTime").asText());
    }

    /** {@code Class.method} of a fully qualified benchmark name. */
    static String shortName(String benchmark) {
        int dot = benchmark.lastIndexOf('.');
        int cls = dot > 0 ? benchmark.lastIndexOf('.', dot - 1) : -1;
        return benchmark.substring(cls + 1);
    }

    static String params(JsonNode params) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : params.properties()) {
            out.add(e.getKey() + "=" + e.getValue().asText());
        }
        return String.join(", ", out);
    }

    /** Three significant digits, thousands grouped, no exponent. */
    static String num(double v) {
        double a = Math.abs(v);
        if (a == 0 || Double.isNaN(v)) {
            return Double.isNaN(v) ? "NaN" : "0";
        }
        int digits = (int) Math.floor(Math.log10(a)) + 1;
        int decimals = Math.max(0, 3 - digits);
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** Seconds per operation in a readable unit, from a throughput or average-time score. */
    static String perOp(String mode, double score, String unit) {
        double seconds;
        if (mode.equals("thrpt") && unit.startsWith("ops/")) {
            seconds = 1 / (score * perSecond(unit.substring(4)));
        } else if ((mode.equals("avgt") || mode.equals("ss") || mode.equals("sample")) && unit.endsWith("/op")) {
            seconds = score / perSecond(unit.substring(0, unit.length() - 3));
        } else {
            return "";
        }
        return duration(seconds);
    }

    /** How many of {@code unit} make one second. */
    private static double perSecond(String unit) {
        switch (unit) {
            case "s":
                return 1;
            case "ms":
                return 1e3;
            case "us":
                return 1e6;
            case "ns":
                return 1e9;
            default:
                throw new IllegalArgumentException("unknown time unit '" + unit + "'");
        }
    }

    static String duration(double seconds) {
        if (seconds >= 1) {
            return num(seconds) + " s";
        } else if (seconds >= 1e-3) {
            return num(seconds * 1e3) + " ms";
        } else if (seconds >= 1e-6) {
            return num(seconds * 1e6) + " µs";
        }
        return num(seconds * 1e9) + " ns";
    }

    /** The {@code bytes} counter, recorded as ops/s of bytes, as GB/s or MB/s with its error. */
    static String bytesPerSecond(JsonNode metric) {
        double v = metric.path("score").asDouble();
        double err = metric.path("scoreError").asDouble();
        if (v >= 1e9) {
            return num(v / 1e9) + " ± " + num(err / 1e9) + " GB/s";
        }
        return num(v / 1e6) + " ± " + num(err / 1e6) + " MB/s";
    }

    static String bytes(double b) {
        if (b >= 1e9) {
            return num(b / 1e9) + " GB";
        } else if (b >= 1e6) {
            return num(b / 1e6) + " MB";
        } else if (b >= 1e3) {
            return num(b / 1e3) + " KB";
        }
        return num(b) + " B";
    }
}
