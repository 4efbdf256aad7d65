package dev.delta.engine.scan;

import dev.delta.engine.manifest.Manifest;

import java.util.List;
import java.util.Objects;

/**
 * What a scan produced: the manifest of everything it could read, the paths it could not
 * (sorted by path), and its counters.
 *
 * @param manifest the manifest
 * @param problems paths left out, with reasons; empty when the tree was scanned completely
 * @param stats    counters and timing
 */
public record ScanResult(Manifest manifest, List<ScanProblem> problems, ScanStats stats) {
    public ScanResult {
        Objects.requireNonNull(manifest, "manifest");
        problems = List.copyOf(problems);
        Objects.requireNonNull(stats, "stats");
    }

    /** True when nothing was left out for a problem (ignored paths are not problems). */
    public boolean isComplete() {
        return problems.isEmpty();
    }
}
