package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.delta.engine.plan.Manifests.file;
import static dev.delta.engine.plan.Manifests.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RangePlannerTest {

    @Test
    void plan_renamedFileNeedsNothingFromUpstream() {
        Manifest old = manifest(1, file("old/name.bin", "a:100", "b:200", "c:300"));
        Manifest neu = manifest(2, file("new/name.bin", "a:100", "b:200", "c:300"));

        RangePlan p = new RangePlanner().plan(old, ChunkIndex.of(old), neu);

        assertEquals(0, p.bytesToFetch());
        assertEquals(0, p.neededChunks());
        assertEquals(600, p.bytesLocal());
        FilePlan f = p.files().get(0);
        assertEquals(List.of(new Segment(Segment.Kind.LOCAL, 0, 600, "old/name.bin", 1, 0)), f.segments(),
                "three contiguous local chunks coalesce into one copy");
    }

    @Test
    void plan_insertedChunkIsFetchedAndTheRestCopied() {
        Manifest old = manifest(1, file("f", "a:100", "b:200", "c:300"));
        Manifest neu = manifest(2, file("f", "a:100", "x:50", "y:70", "b:200", "c:300"));

        RangePlan p = new RangePlanner().plan(old, ChunkIndex.of(old), neu);

        assertEquals(List.of(
                new Segment(Segment.Kind.LOCAL, 0, 100, "f", 1, 0),
                new Segment(Segment.Kind.FETCH, 100, 120, null, 2, 100),
                new Segment(Segment.Kind.LOCAL, 220, 500, "f", 1, 100)), p.files().get(0).segments());
        assertEquals(120, p.bytesToFetch());
        assertEquals(2, p.neededChunks());
        assertEquals(1, p.fetchRanges());
        assertEquals(600, p.bytesLocal());
        assertEquals(720, p.bytesTotal());
    }

    @Test
    void plan_unchangedFilesAreInPlaceAndNotAssembled() {
        Manifest old = manifest(1, file("keep", "a:100"), file("edit", "b:10"));
        Manifest neu = manifest(2, file("keep", "a:100"), file("edit", "c:10"));
        RangePlan p = new RangePlanner().plan(old, ChunkIndex.of(old), neu);
        assertEquals(1, p.files().size());
        assertEquals("edit", p.files().get(0).path());
        assertEquals(100, p.bytesInPlace());
        assertEquals(10, p.bytesToFetch());
        assertEquals(110, p.bytesReused() + p.bytesToFetch());
    }

    @Test
    void plan_chunkRepeatedInTargetIsFetchedOnceThenDuplicated() {
        Manifest neu = manifest(1, file("a", "z:64", "z:64", "q:10"), file("b", "z:64"));
        RangePlan p = new RangePlanner().plan(null, new ChunkIndex(), neu);
        assertEquals(74, p.bytesToFetch());
        assertEquals(2, p.neededChunks());
        assertEquals(128, p.bytesDuplicate());
        List<Segment> a = p.files().get(0).segments();
        assertEquals(new Segment(Segment.Kind.FETCH, 0, 64, null, 1, 0), a.get(0));
        assertEquals(new Segment(Segment.Kind.DUPLICATE, 64, 64, "a", 1, 0), a.get(1));
        assertEquals(new Segment(Segment.Kind.DUPLICATE, 0, 64, "a", 1, 0), p.files().get(1).segments().get(0));
    }

    @Test
    void plan_fetchRangesAreCappedAtMaxRangeBytes() {
        Manifest neu = manifest(1, file("big", "a:100", "b:100", "c:100", "d:100", "e:100"));
        RangePlan p = new RangePlanner(250).plan(null, new ChunkIndex(), neu);
        List<Segment> s = p.files().get(0).segments();
        assertEquals(List.of(200L, 200L, 100L), s.stream().map(Segment::length).toList());
        assertEquals(3, p.fetchRanges());
    }

    @Test
    void plan_prefersAnyRetainedReleaseHoldingTheChunk() {
        Manifest v1 = manifest(1, file("legacy.bin", "old:40"));
        Manifest v2 = manifest(2, file("current.bin", "a:10"));
        Manifest v3 = manifest(3, file("current.bin", "a:10", "old:40"));
        RangePlan p = new RangePlanner().plan(v2, ChunkIndex.of(v2, v1), v3);
        assertEquals(0, p.bytesToFetch());
        assertEquals(new Segment(Segment.Kind.LOCAL, 10, 40, "legacy.bin", 1, 0), p.files().get(0).segments().get(1));
    }

    @Test
    void constructor_rejectsNonPositiveRange() {
        assertThrows(IllegalArgumentException.class, () -> new RangePlanner(0));
    }

    /**
     * Property: for random old/new manifests drawn from a small chunk alphabet, every assembled
     * file is covered exactly by its segments, every LOCAL or DUPLICATE segment points at bytes
     * with the same chunk ids, and the byte totals add up.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void plan_segmentsCoverFilesAndReferToEqualChunks(long seed) {
        Random r = new Random(seed);
        Map<String, Integer> lengths = new HashMap<>();
        Manifest old = randomManifest(r, 1, lengths);
        Manifest neu = randomManifest(r, 2, lengths);
        RangePlan p = new RangePlanner(1 + r.nextInt(2000)).plan(old, ChunkIndex.of(old), neu);

        long assembled = 0;
        for (FilePlan f : p.files()) {
            long pos = 0;
            for (Segment s : f.segments()) {
                assertEquals(pos, s.offset(), "segments are contiguous in " + f.path());
                assertTrue(s.length() > 0);
                if (s.kind() != Segment.Kind.FETCH) {
                    Manifest src = s.kind() == Segment.Kind.LOCAL ? old : neu;
                    assertSameChunks(f.target().chunks(), s.offset(), src.get(s.sourcePath()).chunks(),
                            s.sourceOffset(), s.length());
                }
                pos = s.end();
            }
            assertEquals(f.target().size(), pos, "segments cover " + f.path());
            assembled += pos;
        }
        assertEquals(assembled, p.bytesLocal() + p.bytesDuplicate() + p.bytesToFetch());
        assertEquals(neu.totalBytes(), p.bytesInPlace() + assembled);
    }

    private static void assertSameChunks(ChunkList target, long tOff, ChunkList source, long sOff, long len) {
        int ti = indexAt(target, tOff);
        int si = indexAt(source, sOff);
        long done = 0;
        while (done < len) {
            assertEquals(target.idHi(ti), source.idHi(si));
            assertEquals(target.idLo(ti), source.idLo(si));
            assertEquals(target.length(ti), source.length(si));
            done += target.length(ti);
            ti++;
            si++;
        }
        assertEquals(len, done, "segment ends on a chunk boundary");
    }

    private static int indexAt(ChunkList c, long offset) {
        for (int i = 0; i < c.size(); i++) {
            if (c.offset(i) == offset) {
                return i;
            }
        }
        throw new AssertionError("no chunk starts at " + offset);
    }

    private static Manifest randomManifest(Random r, long version, Map<String, Integer> lengths) {
        List<Entry> entries = new ArrayList<>();
        int files = 1 + r.nextInt(8);
        for (int f = 0; f < files; f++) {
            ChunkList.Builder b = ChunkList.builder();
            int n = r.nextInt(12);
            for (int i = 0; i < n; i++) {
                String name = "c" + r.nextInt(20);
                int len = lengths.computeIfAbsent(name, k -> 1 + r.nextInt(500));
                b.add(len, Manifests.idHi(name), Manifests.idLo(name));
            }
            ChunkList list = b.build();
            entries.add(Entry.file("f" + f, 0644, 0, list.totalLength(), Sha256.of(("" + list.hashCode()).getBytes()),
                    list));
        }
        return manifest(version, entries.toArray(new Entry[0]));
    }
}
