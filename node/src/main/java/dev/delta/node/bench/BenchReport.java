package dev.delta.node.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of a benchmark run: a table for people and a JSON document for tools. */
public final class BenchReport {
    /** One scenario's dataset and per-tool results. */
    public record ScenarioResult(Scenario scenario, long files, long bytes, List<ToolResult> tools) {
        ToolResult tool(String name) {
            return tools.stream().filter(t -> t.tool().equals(name)).findFirst().orElse(null);
        }
    }

    private final BenchRunner.Options options;
    private final String rsyncVersion;
    private final boolean rsyncZstd;
    private final List<ScenarioResult> scenarios = new ArrayList<>();

    BenchReport(BenchRunner.Options options, String rsyncVersion, boolean rsyncZstd) {
        this.options = options;
        this.rsyncVersion = rsyncVersion;
        this.rsyncZstd = rsyncZstd;
    }

    void add(ScenarioResult r) {
        scenarios.add(r);
    }

    public List<ScenarioResult> scenarios() {
        return List.copyOf(scenarios);
    }

    /** True when every tool of every scenario left exactly the new tree on every receiver. */
    public boolean allCorrect() {
        return scenarios.stream().allMatch(s -> s.tools().stream().allMatch(ToolResult::correct));
    }

    /** Prints the table: one row per scenario and tool, then the ratios per scenario. */
    public void printTable(PrintWriter out) {
        String fmt = "%-19s %-10s %9s %10s %10s %9s %9s %9s %9s  %s%n";
        out.println();
        out.printf(fmt, "scenario", "tool", "wall", "wire up", "wire down", "CPU", "peak RSS", "srv CPU", "srv RSS",
                "check");
        for (ScenarioResult s : scenarios) {
            for (ToolResult t : s.tools()) {
                out.printf(fmt, s.scenario().label(), t.tool(), millis(t.wallMillis()), bytes(t.wireUp()),
                        bytes(t.wireDown()), millis(t.cpuMillis()), bytes(t.peakRssBytes()), millis(t.serverCpuMillis()),
                        bytes(t.serverPeakRssBytes()), t.correct() ? "ok" : "FAIL");
            }
        }
        out.println();
        out.printf("%-19s %11s %11s %11s %11s  %-40s%n", "scenario", "wall D/r", "wire D/rz", "edge D/r",
                "edge D/rz", "dataset");
        for (ScenarioResult s : scenarios) {
            out.printf("%-19s %11s %11s %11s %11s  %s files, %s%n", s.scenario().label(),
                    ratio(s, "delta", "rsync", false), ratio(s, "delta", "rsync-zstd", true),
                    ratio(s, DeltaSide.EDGE_TOOL, "rsync", false), ratio(s, DeltaSide.EDGE_TOOL, "rsync-zstd", true),
                    s.files(), bytes(s.bytes()));
        }
        out.println("wall D/r: Delta's wall time / plain rsync's; wire D/rz: Delta's bytes on the wire (both ways)"
                + " / rsync-zstd's; D is a 'delta sync' process (JVM start included), edge a running 'delta serve'"
                + " edge following the origin. Below 1 means Delta is ahead.");
        out.flush();
    }

    /** Writes the JSON document: machine, JDK, rsync, options, and per-scenario per-tool figures. */
    public void writeJson(Path file) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(Files.newOutputStream(file), JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeObjectFieldStart("machine");
            g.writeStringField("cpu", Machine.cpuModel());
            g.writeNumberField("cpus", Runtime.getRuntime().availableProcessors());
            g.writeNumberField("memory_bytes", Machine.memoryBytes());
            g.writeStringField("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
            g.writeEndObject();
            g.writeStringField("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            g.writeStringField("rsync", rsyncVersion);
            g.writeBooleanField("rsync_zstd", rsyncZstd);
            g.writeStringField("scale", options.scale().name());
            g.writeNumberField("seed", options.seed());
            // each step started with memory just used (Shell.settle); absent in runs before session 15
            g.writeBooleanField("warm_start", options.scale().settleMillis() > 0);
            g.writeBooleanField("all_correct", allCorrect());
            g.writeArrayFieldStart("scenarios");
            for (ScenarioResult s : scenarios) {
                g.writeStartObject();
                g.writeStringField("name", s.scenario().label());
                g.writeStringField("description", s.scenario().description());
                g.writeNumberField("receivers", s.scenario().receivers());
                g.writeNumberField("files", s.files());
                g.writeNumberField("bytes", s.bytes());
                g.writeObjectFieldStart("tools");
                for (ToolResult t : s.tools()) {
                    writeTool(g, t);
                }
                g.writeEndObject();
                g.writeObjectFieldStart("ratios");
                writeRatio(g, "wall_delta_over_rsync", s, "delta", "rsync", false);
                writeRatio(g, "wire_delta_over_rsync_zstd", s, "delta", "rsync-zstd", true);
                writeRatio(g, "wall_edge_over_rsync", s, DeltaSide.EDGE_TOOL, "rsync", false);
                writeRatio(g, "wire_edge_over_rsync_zstd", s, DeltaSide.EDGE_TOOL, "rsync-zstd", true);
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeTool(JsonGenerator g, ToolResult t) throws IOException {
        g.writeObjectFieldStart(t.tool());
        g.writeBooleanField("correct", t.correct());
        g.writeNumberField("wall_ms", t.wallMillis());
        g.writeNumberField("wire_bytes_up", t.wireUp());
        g.writeNumberField("wire_bytes_down", t.wireDown());
        g.writeNumberField("cpu_ms", t.cpuMillis());
        g.writeNumberField("peak_rss_bytes", t.peakRssBytes());
        g.writeNumberField("server_cpu_ms", t.serverCpuMillis());
        g.writeNumberField("server_peak_rss_bytes", t.serverPeakRssBytes());
        g.writeArrayFieldStart("problems");
        for (String p : t.problems()) {
            g.writeString(p);
        }
        g.writeEndArray();
        for (Map.Entry<String, Object> e : t.extra().entrySet()) {
            g.writeObjectField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeRatio(JsonGenerator g, String name, ScenarioResult s, String delta, String other,
                                   boolean wire) throws IOException {
        double r = ratioValue(s, delta, other, wire);
        if (Double.isNaN(r)) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, Math.round(r * 1000) / 1000.0);
        }
    }

    private static double ratioValue(ScenarioResult s, String delta, String other, boolean wire) {
        ToolResult d = s.tool(delta);
        ToolResult o = s.tool(other);
        if (d == null || o == null || !d.correct() || !o.correct()) {
            return Double.NaN;
        }
        long a = wire ? d.wireTotal() : d.wallMillis();
        long b = wire ? o.wireTotal() : o.wallMillis();
        return a < 0 || b <= 0 ? Double.NaN : (double) a / b;
    }

    private static String ratio(ScenarioResult s, String delta, String other, boolean wire) {
        double r = ratioValue(s, delta, other, wire);
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.3gx", r);
    }

    /** A one-line summary of a result, for progress output. */
    static String brief(ToolResult t) {
        return String.format(Locale.ROOT, "wall %s, wire %s up / %s down, CPU %s, peak RSS %s", millis(t.wallMillis()),
                bytes(t.wireUp()), bytes(t.wireDown()), millis(t.cpuMillis()), bytes(t.peakRssBytes()));
    }

    static String bytes(long n) {
        if (n < 0) {
            return "-";
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, u[i]);
    }

    static String millis(long ms) {
        if (ms < 0) {
            return "-";
        }
        return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
