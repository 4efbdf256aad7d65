package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;

import java.util.List;

/**
 * How to assemble one file of the target version.
 *
 * @param target   the file's entry in the target manifest
 * @param segments contiguous segments covering {@code [0, size)} in order
 */
public record FilePlan(Entry target, List<Segment> segments) {
    public FilePlan {
        segments = List.copyOf(segments);
    }

    public String path() {
        return target.path();
    }

    public long bytes(Segment.Kind kind) {
        long t = 0;
        for (Segment s : segments) {
            if (s.kind() == kind) {
                t += s.length();
            }
        }
        return t;
    }

    /** The fetch segments: the byte ranges to request from upstream. */
    public List<Segment> fetches() {
        return segments.stream().filter(s -> s.kind() == Segment.Kind.FETCH).toList();
    }
}
