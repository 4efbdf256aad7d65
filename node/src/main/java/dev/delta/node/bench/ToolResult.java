package dev.delta.node.bench;

import java.util.List;
import java.util.Map;

/**
 * What one tool did in one scenario's measured step. Byte and time figures that could not be
 * measured are -1. "Up" is receiver to sender, "down" sender to receiver, both summed over the
 * receivers; CPU is the receivers' total, peak RSS the largest single receiver's.
 *
 * @param tool               {@code delta}, {@code rsync} or {@code rsync-zstd}
 * @param wallMillis         start of the first receiver to exit of the last
 * @param serverCpuMillis    CPU of the sender (Delta origin, rsync daemon and its children)
 * @param serverPeakRssBytes peak RSS of the sender's processes during the step
 * @param problems           why the result is not correct (empty when it is)
 * @param extra              tool-specific figures (e.g. Delta's own duration and manifest bytes)
 */
public record ToolResult(String tool, long wallMillis, long wireUp, long wireDown, long cpuMillis,
                         long peakRssBytes, long serverCpuMillis, long serverPeakRssBytes, List<String> problems,
                         Map<String, Object> extra) {
    public ToolResult {
        problems = List.copyOf(problems);
        extra = Map.copyOf(extra);
    }

    /** A tool that failed before producing figures. */
    static ToolResult failed(String tool, String why) {
        return new ToolResult(tool, -1, -1, -1, -1, -1, -1, -1, List.of(why), Map.of());
    }

    /** Did every receiver end up with exactly the new tree? */
    public boolean correct() {
        return problems.isEmpty();
    }

    /** Bytes on the wire in both directions. */
    public long wireTotal() {
        return wireUp < 0 || wireDown < 0 ? -1 : wireUp + wireDown;
    }
}
