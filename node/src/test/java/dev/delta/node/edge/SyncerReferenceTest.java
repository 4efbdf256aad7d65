package dev.delta.node.edge;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ReferenceWindows;
import dev.delta.engine.store.FetchRange;
import dev.delta.protocol.wire.RangeReference;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class SyncerReferenceTest {
    /** A file of {@code n} chunks of 1000 bytes; ids {@code seed + i}, except where {@code edited}. */
    private static Entry file(String path, int n, long seed, java.util.Set<Integer> edited) {
        ChunkList.Builder b = ChunkList.builder();
        for (int i = 0; i < n; i++) {
            b.add(1000, edited.contains(i) ? -1 - i : seed + i, 7);
        }
        byte[] sha = new byte[32];
        sha[0] = (byte) edited.size(); // differs between the versions of a file that was edited
        return Entry.file(path, 0644, 0, n * 1000L, sha, b.build());
    }

    @Test
    void theFirstBigChangedFilesWindows_areBuiltAhead_andAreTheSame() {
        int n = Syncer.Windows.PREPARE_MIN_CHUNKS + 100;
        java.util.Set<Integer> edits = java.util.Set.of(3, 777, n - 2);
        Entry small = file("a.txt", 10, 7, java.util.Set.of());
        Entry oldBig = file("b.tar", n, 1, java.util.Set.of());
        Entry newBig = file("b.tar", n, 1, edits);
        Entry sameBig = file("c.tar", n, 50_000, java.util.Set.of());
        Syncer.Base base = new Syncer.Base(1, manifest(1, small, oldBig, sameBig), Path.of("unused"));
        Manifest target = manifest(2, small, newBig, sameBig);
        base.windows().prepare(base.manifest(), target);
        List<FetchRange> ranges = new ArrayList<>();
        for (int i : new java.util.TreeSet<>(edits)) {
            ranges.add(new FetchRange("b.tar", i * 1000L, 1000, i, 1));
        }
        RangeReference ref = Syncer.reference(base, target.get("b.tar"), "b.tar", ranges);
        ReferenceWindows direct = new ReferenceWindows(oldBig, newBig);
        for (int k = 0; k < ranges.size(); k++) {
            long[] w = direct.window(ranges.get(k).firstChunk(), 1);
            assertEquals(new RangeReference.Window(w[0], (int) w[1]), ref.windows().get(k));
        }
        assertEquals(1, base.windows().built);
        assertEquals(1, base.windows().builtAhead, "the edited big file's windows were built ahead");
    }

    private static Manifest manifest(long version, Entry... es) {
        return new Manifest("site", version, version - 1, 0, ChunkerParams.REPLICATION, List.of(es));
    }

    @Test
    void aBigFilesWindows_areBuiltOncePerFile_andMatchThoseBuiltPerRequest() {
        java.util.Set<Integer> edits = new java.util.TreeSet<>();
        for (int i = 5; i < 2000; i += 10) {
            edits.add(i);
        }
        Entry oldA = file("a.tar", 2000, 1, java.util.Set.of());
        Entry newA = file("a.tar", 2000, 1, edits);
        Entry oldB = file("b.tar", 300, 100_000, java.util.Set.of());
        Entry newB = file("b.tar", 300, 100_000, java.util.Set.of(150));
        Syncer.Base base = new Syncer.Base(1, manifest(1, oldA, oldB), Path.of("unused"));
        Manifest target = manifest(2, newA, newB);
        List<FetchRange> ranges = new ArrayList<>();
        for (int i : edits) {
            ranges.add(new FetchRange("a.tar", i * 1000L, 1000, i, 1));
        }
        ReferenceWindows direct = new ReferenceWindows(oldA, newA);
        for (int from = 0; from < ranges.size(); from += 64) { // one request per 64 ranges, as fetchRound sends them
            List<FetchRange> batch = ranges.subList(from, Math.min(ranges.size(), from + 64));
            RangeReference ref = Syncer.reference(base, target.get("a.tar"), "a.tar", batch);
            assertNotNull(ref);
            for (int k = 0; k < batch.size(); k++) {
                long[] w = direct.window(batch.get(k).firstChunk(), 1);
                assertEquals(new RangeReference.Window(w[0], (int) w[1]), ref.windows().get(k));
            }
        }
        assertEquals(1, base.windows().built, "four requests of one file, one index of its chunks");
        RangeReference refB = Syncer.reference(base, target.get("b.tar"), "b.tar", List.of(new FetchRange("b.tar", 150_000, 1000, 150, 1)));
        assertEquals(new RangeReference.Window(150_000, 1000), refB.windows().get(0));
        assertEquals(2, base.windows().built);
    }
}
