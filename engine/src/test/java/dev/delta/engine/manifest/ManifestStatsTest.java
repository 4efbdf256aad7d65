package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.ChunkIdSet;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestStatsTest {

    @Test
    void of_countsDistinctChunksAcrossFiles() {
        ChunkList a = ChunkList.builder().add(4096, 1, 1).add(5000, 2, 2).build();
        ChunkList b = ChunkList.builder().add(4096, 1, 1).add(100, 3, 3).build();
        Manifest m = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, List.of(
                Entry.file("a", 0644, 0, 9096, Sha256.of(new byte[1]), a),
                Entry.file("copy/of/a", 0644, 0, 9096, Sha256.of(new byte[1]), a),
                Entry.file("b", 0644, 0, 4196, Sha256.of(new byte[2]), b),
                Entry.dir("copy", 0755, 0), Entry.dir("copy/of", 0755, 0),
                Entry.symlink("l", "a", 0)));

        ManifestStats s = ManifestStats.of(m);

        assertEquals(3, s.files());
        assertEquals(2, s.dirs());
        assertEquals(1, s.symlinks());
        assertEquals(9096 * 2 + 4196, s.bytes());
        assertEquals(6, s.chunks());
        assertEquals(3, s.uniqueChunks());
        assertEquals(4096 + 5000 + 100, s.uniqueBytes());
        assertEquals((double) s.bytes() / s.uniqueBytes(), s.dedupRatio(), 1e-9);
        assertEquals(5, s.histogram()[12], "4096 x3 and 5000 x2 in [4096, 8192)");
        assertEquals(1, s.histogram()[6], "100 in [64, 128)");
    }

    @Test
    void chunkIdSet_matchesAHashSetOnRandomIds() {
        Random r = new Random(7);
        ChunkIdSet set = new ChunkIdSet(4);
        java.util.Set<String> ref = new java.util.HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            long hi = r.nextInt(1000);
            long lo = r.nextInt(100); // many shared halves, to exercise probing
            assertEquals(ref.add(hi + ":" + lo), set.add(hi, lo));
        }
        assertEquals(ref.size(), set.size());
        assertTrue(set.contains(0, 0) == ref.contains("0:0"));
        assertFalse(set.contains(5000, 5000));
    }
}
