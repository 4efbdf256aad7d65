package dev.delta.benchmarks;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticManifestsTest {
    @Test
    void generate_isDeterministicAndSized() {
        Manifest a = SyntheticManifests.generate(1_000, 5, 7);
        assertEquals(a, SyntheticManifests.generate(1_000, 5, 7));
        assertNotEquals(a, SyntheticManifests.generate(1_000, 5, 8));
        assertEquals(1_000, a.fileCount());
        assertEquals(1_000 + SyntheticManifests.DIRS, a.entries().size());
        assertEquals(5_000, a.chunkCount());
        assertEquals(5_000, ChunkIndex.of(a).size(), "random ids are distinct");
        long avg = a.totalBytes() / a.chunkCount();
        assertTrue(avg > 14 * 1024 && avg < 18 * 1024, "average chunk " + avg);
    }

    @Test
    void edit_changesExactlyTheRequestedFilesAndFewChunks() {
        Manifest a = SyntheticManifests.generate(1_000, 20, 7);
        Manifest b = SyntheticManifests.edit(a, 20, 9);
        assertEquals(a.version() + 1, b.version());
        assertEquals(a.version(), b.parentVersion());
        ManifestDiff d = ManifestDiff.between(a, b);
        assertEquals(20, d.count(ChangeAction.UPDATE));
        assertEquals(20, d.changes().size());
        RangePlan p = new RangePlanner().plan(a, ChunkIndex.of(a), b);
        assertEquals(20, p.files().size());
        assertTrue(p.neededChunks() >= 20 && p.neededChunks() <= 80, "1 to 4 new chunks a file: " + p.neededChunks());
        assertTrue(p.bytesLocal() > p.bytesToFetch(), "most of an edited file is reused");
        for (Entry e : b.entries()) {
            if (e.isFile()) {
                assertTrue(e != a.get(e.path()), "decoded, so no entry is shared");
            }
        }
    }

    @Test
    void generate_rejectsUnevenFileCounts() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticManifests.generate(150, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> SyntheticManifests.generate(100, 0, 1));
    }
}
