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

    /**
     * Whether some segment is of {@code kind}. (An indexed loop: the planner and the builder ask it
     * once or twice per file of the tree, 80,000 times on a cold copy of a source tree, in code the
     * quick compiler runs, which would allocate a stream or an iterator per call.)
     */
    public boolean has(Segment.Kind kind) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).kind() == kind) {
                return true;
            }
        }
        return false;
    }

    /** Whether some segment is of neither {@code a} nor {@code b}. */
    public boolean hasOtherThan(Segment.Kind a, Segment.Kind b) {
        for (int i = 0; i < segments.size(); i++) {
            Segment.Kind k = segments.get(i).kind();
            if (k != a && k != b) {
                return true;
            }
        }
        return false;
    }

    /** Whether every segment is of {@code kind} (true for a file of no segments). */
    public boolean all(Segment.Kind kind) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).kind() != kind) {
                return false;
            }
        }
        return true;
    }

    /** The fetch segments: the byte ranges to request from upstream. */
    public List<Segment> fetches() {
        return segments.stream().filter(s -> s.kind() == Segment.Kind.FETCH).toList();
    }
}
