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

/**
 * The figures of a benchmark run: a table for people and a JSON document for tools. With several
 * rounds, a tool's row is its round of median wall time (the lower of the two middle ones for an
 * even count; a round that left a receiver wrong is shown instead, so that no failure hides), and
 * each ratio is the median of the ratios taken within each round, with their range.
 */
public final class BenchReport {
    /**
     * One scenario's dataset and per-tool results.
     *
     * @param tools  each tool's representative result (see the class comment)
     * @param rounds every round's results, in the order of {@code tools}
     */
    public record ScenarioResult(Scenario scenario, long files, long bytes, List<ToolResult> tools,
                                 List<List<ToolResult>> rounds) {
        public ScenarioResult {
            tools = List.copyOf(tools);
            rounds = rounds.stream().map(List::copyOf).toList();
        }

        /** A scenario's results from its rounds' (at least one). */
        static ScenarioResult of(Scenario scenario, long files, long bytes, List<List<ToolResult>> rounds) {
            List<String> names = new ArrayList<>();
            for (List<ToolResult> r : rounds) {
                for (ToolResult t : r) {
                    if (!names.contains(t.tool())) {
                        names.add(t.tool());
                    }
                }
            }
            List<ToolResult> tools = new ArrayList<>();
            for (String name : names) {
                List<ToolResult> all = new ArrayList<>();
                for (List<ToolResult> r : rounds) {
                    r.stream().filter(t -> t.tool().equals(name)).findFirst().ifPresent(all::add);
                }
                tools.add(representative(all));
            }
            return new ScenarioResult(scenario, files, bytes, tools, rounds);
        }

        /** The first wrong result if any, else the one of median wall time (the lower middle one). */
        static ToolResult representative(List<ToolResult> all) {
            for (ToolResult t : all) {
                if (!t.correct()) {
                    return t;
                }
            }
            List<ToolResult> sorted = new ArrayList<>(all);
            sorted.sort(java.util.Comparator.comparingLong(ToolResult::wallMillis));
            return sorted.get((sorted.size() - 1) / 2);
        }

        ToolResult tool(String name) {
            return find(tools, name);
        }

        /**
         * The ratio of {@code delta}'s figure to {@code other}'s in each round where both are
         * correct and measured (wall time, or bytes on the wire both ways), in round order.
         */
        List<Double> roundRatios(String delta, String other, boolean wire) {
            List<Double> out = new ArrayList<>();
            for (List<ToolResult> r : rounds) {
                double v = ratioOf(find(r, delta), find(r, other), wire);
                if (!Double.isNaN(v)) {
                    out.add(v);
                }
            }
            return out;
        }

        private static ToolResult find(List<ToolResult> ts, String name) {
            return ts.stream().filter(t -> t.tool().equals(name)).findFirst().orElse(null);
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

    /** True when every tool of every scenario, in every round, left exactly the new tree on every receiver. */
    public boolean allCorrect() {
        return scenarios.stream().allMatch(s -> s.rounds().stream().allMatch(r -> r.stream().allMatch(ToolResult::correct)));
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
        int w = options.rounds() > 1 ? 23 : 11;
        String rfmt = "%-19s %" + w + "s %" + w + "s %" + w + "s %" + w + "s  %s%n";
        out.printf(rfmt, "scenario", "wall D/r", "wire D/rz", "edge D/r", "edge D/rz", "dataset");
        for (ScenarioResult s : scenarios) {
            out.printf(rfmt, s.scenario().label(),
                    ratio(s, "delta", "rsync", false), ratio(s, "delta", "rsync-zstd", true),
                    ratio(s, DeltaSide.EDGE_TOOL, "rsync", false), ratio(s, DeltaSide.EDGE_TOOL, "rsync-zstd", true),
                    s.files() + " files, " + bytes(s.bytes()));
        }
        out.println("wall D/r: Delta's wall time / plain rsync's; wire D/rz: Delta's bytes on the wire (both ways)"
                + " / rsync-zstd's; D is a 'delta sync' process (JVM start included), edge a running 'delta serve'"
                + " edge following the origin. Below 1 means Delta is ahead.");
        if (options.rounds() > 1) {
            out.println(options.rounds() + " rounds: each row is the tool's round of median wall time; each ratio"
                    + " is the median of the ratios taken within each round, with their range in brackets.");
        }
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
            g.writeNumberField("rounds", options.rounds());
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
                for (RatioSpec r : RATIOS) {
                    writeRatio(g, r.name(), ratioValue(s, r));
                }
                g.writeEndObject();
                if (options.rounds() > 1) {
                    // each ratio of every round, in round order: the figures behind the medians above
                    g.writeObjectFieldStart("ratios_per_round");
                    for (RatioSpec r : RATIOS) {
                        g.writeArrayFieldStart(r.name());
                        for (double v : s.roundRatios(r.delta(), r.other(), r.wire())) {
                            g.writeNumber(Math.round(v * 1000) / 1000.0);
                        }
                        g.writeEndArray();
                    }
                    g.writeEndObject();
                    g.writeArrayFieldStart("rounds");
                    for (List<ToolResult> round : s.rounds()) {
                        g.writeStartObject();
                        for (ToolResult t : round) {
                            writeTool(g, t);
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
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

    /** A ratio the report gives: {@code delta}'s figure over {@code other}'s, wall time or wire bytes. */
    private record RatioSpec(String name, String delta, String other, boolean wire) {
    }

    private static final List<RatioSpec> RATIOS = List.of(
            new RatioSpec("wall_delta_over_rsync", "delta", "rsync", false),
            new RatioSpec("wire_delta_over_rsync_zstd", "delta", "rsync-zstd", true),
            new RatioSpec("wall_edge_over_rsync", DeltaSide.EDGE_TOOL, "rsync", false),
            new RatioSpec("wire_edge_over_rsync_zstd", DeltaSide.EDGE_TOOL, "rsync-zstd", true));

    private static void writeRatio(JsonGenerator g, String name, double r) throws IOException {
        if (Double.isNaN(r)) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, Math.round(r * 1000) / 1000.0);
        }
    }

    private static double ratioValue(ScenarioResult s, RatioSpec r) {
        return median(s.roundRatios(r.delta(), r.other(), r.wire()));
    }

    /** {@code d}'s figure over {@code o}'s, or NaN when either is missing, wrong or unmeasured. */
    static double ratioOf(ToolResult d, ToolResult o, boolean wire) {
        if (d == null || o == null || !d.correct() || !o.correct()) {
            return Double.NaN;
        }
        long a = wire ? d.wireTotal() : d.wallMillis();
        long b = wire ? o.wireTotal() : o.wallMillis();
        return a < 0 || b <= 0 ? Double.NaN : (double) a / b;
    }

    /** The median (the mean of the two middle values for an even count), or NaN for none. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static String ratio(ScenarioResult s, String delta, String other, boolean wire) {
        List<Double> all = s.roundRatios(delta, other, wire);
        double r = median(all);
        if (Double.isNaN(r)) {
            return "-";
        }
        String m = String.format(Locale.ROOT, "%.3gx", r);
        String lo = String.format(Locale.ROOT, "%.3g", java.util.Collections.min(all));
        String hi = String.format(Locale.ROOT, "%.3g", java.util.Collections.max(all));
        return lo.equals(hi) ? m : m + " (" + lo + "-" + hi + ")";
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
