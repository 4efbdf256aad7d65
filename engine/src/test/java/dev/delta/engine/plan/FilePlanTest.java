package dev.delta.engine.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FilePlanTest {
    private static Segment segment(Segment.Kind kind, long offset) {
        return new Segment(kind, offset, 10, kind == Segment.Kind.LOCAL ? "src" : null, kind == Segment.Kind.LOCAL ? 1 : 0, 0);
    }

    /** Random plans of 0-5 segments: the loops answer as the obvious stream expressions do. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void kindQueriesAgreeWithTheSegmentsListedOut(long seed) {
        Random rnd = new Random(seed);
        Segment.Kind[] kinds = Segment.Kind.values();
        for (int n = 0; n < 200; n++) {
            List<Segment> segs = new ArrayList<>();
            int count = rnd.nextInt(6);
            for (int i = 0; i < count; i++) {
                segs.add(segment(kinds[rnd.nextInt(kinds.length)], i * 10L));
            }
            FilePlan fp = new FilePlan(Manifests.file("f", "a:" + Math.max(1, count * 10)), segs);
            for (Segment.Kind k : kinds) {
                assertEquals(segs.stream().anyMatch(s -> s.kind() == k), fp.has(k), segs + " has " + k);
                assertEquals(segs.stream().allMatch(s -> s.kind() == k), fp.all(k), segs + " all " + k);
                for (Segment.Kind other : kinds) {
                    EnumSet<Segment.Kind> pair = EnumSet.of(k, other);
                    assertEquals(segs.stream().anyMatch(s -> !pair.contains(s.kind())), fp.hasOtherThan(k, other),
                            segs + " other than " + pair);
                }
            }
        }
    }
}
