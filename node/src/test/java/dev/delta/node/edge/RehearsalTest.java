package dev.delta.node.edge;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The in-memory update a following node rehearses while idle: a real rebuild and plan, and nothing else. */
class RehearsalTest {
    private static Manifest tree(int dirs, int filesPerDir, long seed) {
        Random r = new Random(seed);
        List<Entry> entries = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            entries.add(Entry.dir("pkg" + d, 0755, 1_000_000_000L * d));
            for (int f = 0; f < filesPerDir; f++) {
                int chunks = f % 7 == 6 ? 0 : 1 + r.nextInt(5); // some empty files: nothing to edit there
                ChunkList.Builder b = ChunkList.builder(chunks);
                for (int c = 0; c < chunks; c++) {
                    b.add(1 + r.nextInt(9000), r.nextLong(), r.nextLong());
                }
                ChunkList list = b.build();
                byte[] sha = new byte[32];
                r.nextBytes(sha);
                entries.add(Entry.file("pkg" + d + "/f" + f + ".c", 0644, 7L * f, list.totalLength(), sha, list));
            }
        }
        return new Manifest("rehearsed", 4, 3, 1_700_000_000_000L, ChunkerParams.DEFAULT, entries);
    }

    @Test
    void rehearsal_rebuildsAndPlansAnUpdateOfOneFileInFifty_fetchingJustTheEditedChunks() throws Exception {
        Manifest current = tree(40, 60, 1);
        byte[] encoded = new ManifestCodec().encode(current);
        byte[] before = encoded.clone();
        byte[] root = ManifestCodec.rootDigest(encoded);

        long expectFetch = 0;
        int files = 0;
        int edited = 0;
        for (Entry e : current.entries()) {
            if (e.isFile() && !e.chunks().isEmpty() && files++ % Rehearsal.EVERY == 0) {
                edited++;
                expectFetch += e.chunks().length(e.chunks().size() / 2);
            }
        }
        Rehearsal.Result r = Rehearsal.run(current, encoded, root, Syncer.MAX_RANGE_BYTES, () -> false);

        assertEquals(edited, r.filesEdited());
        assertEquals((files + Rehearsal.EVERY - 1) / Rehearsal.EVERY, r.filesEdited());
        assertEquals(edited, r.filesPlanned(), "every edited file is updated, no other");
        assertEquals(expectFetch, r.bytesToFetch(), "only the replaced chunks are fetched; the rest is local");
        assertArrayEquals(before, encoded, "the current release's bytes are left as they were");
        assertArrayEquals(before, new ManifestCodec().encode(current));
    }

    @Test
    void aRealUpdateArriving_cutsTheRehearsalShort() throws Exception {
        Manifest current = tree(5, 20, 2);
        byte[] encoded = new ManifestCodec().encode(current);
        int[] asked = new int[1];
        assertNull(Rehearsal.run(current, encoded, ManifestCodec.rootDigest(encoded), Syncer.MAX_RANGE_BYTES,
                () -> ++asked[0] >= 2), "given up at the second check");
        assertEquals(2, asked[0]);
    }

    @Test
    void aReleaseOfEmptyFilesAndDirectories_hasNothingToRehearse() throws Exception {
        Manifest empty = new Manifest("rehearsed", 1, 0, 0, ChunkerParams.DEFAULT, List.of(
                Entry.dir("a", 0755, 0), Entry.file("a/empty", 0644, 0, 0, new byte[32], ChunkList.EMPTY)));
        byte[] encoded = new ManifestCodec().encode(empty);
        assertNull(Rehearsal.run(empty, encoded, ManifestCodec.rootDigest(encoded), Syncer.MAX_RANGE_BYTES,
                () -> false));
    }
}
