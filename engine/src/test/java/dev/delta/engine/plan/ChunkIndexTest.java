package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.delta.engine.plan.Manifests.file;
import static dev.delta.engine.plan.Manifests.idHi;
import static dev.delta.engine.plan.Manifests.idLo;
import static dev.delta.engine.plan.Manifests.manifest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkIndexTest {

    @Test
    void firstManifestWins_andAFileWhoseChunksAreAllIndexed_isNotKept() {
        Entry kept = file("same.txt", "a:10", "b:20");
        Entry edited = file("edited.txt", "c:30", "d:40");
        Entry older = file("edited.txt", "c:30", "old:40");
        Entry copy = file("same.txt", "a:10", "b:20"); // equal content, another object (decoded apart)
        Manifest v2 = manifest(2, edited, kept);
        Manifest v1 = manifest(1, older, copy);

        ChunkIndex idx = ChunkIndex.of(v2, v1);

        assertEquals(5, idx.size()); // a b c d old
        assertEquals(3, idx.fileCount(), "v2's two files and v1's edited.txt, which alone holds 'old'");
        long a = idx.find(idHi("a"), idLo("a"));
        assertSame(kept, idx.file(a), "the newer release's file is the one named");
        assertEquals(2, idx.version(a));
        long old = idx.find(idHi("old"), idLo("old"));
        assertSame(older, idx.file(old));
        assertEquals(1, idx.version(old));
        assertEquals(30, idx.offset(old));
        assertEquals(-1, idx.find(idHi("missing"), idLo("missing")));
    }

    @Test
    void addFile_returnsMinusOne_whenTheFileBringsNothingNew() {
        ChunkIndex idx = new ChunkIndex();
        assertEquals(0, idx.addFile(file("x", "a:1", "b:2"), 1));
        assertEquals(-1, idx.addFile(file("y", "b:2", "a:1"), 1));
        assertEquals(1, idx.addFile(file("z", "a:1", "c:3"), 1));
        assertEquals(2, idx.fileCount());
        long c = idx.find(idHi("c"), idLo("c"));
        assertEquals("z", idx.file(c).path());
        assertEquals(1, idx.chunk(c));
    }

    @Test
    void retainedReleasesSharingTheirChunks_sizeTheIndexByOneRelease_notTheirSum() {
        List<Entry> files = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            files.add(file("f" + i, "c" + i + ":100", "d" + i + ":100"));
        }
        Manifest one = manifest(5, files.toArray(new Entry[0]));
        Manifest[] five = new Manifest[5];
        for (int v = 0; v < 5; v++) {
            five[v] = manifest(5 - v, files.toArray(new Entry[0]));
        }

        ChunkIndex single = ChunkIndex.of(one);
        ChunkIndex all = ChunkIndex.of(five);

        assertEquals(4_000, all.size());
        assertEquals(single.capacity(), all.capacity(), "five releases with the same chunks need one release's slots");
        assertEquals(2_000, all.fileCount(), "only the newest release's files are kept");
        assertTrue(all.capacity() >= 2 * all.size(), "at most half full");
    }

    @Test
    void growsPastItsFirstSize_whenReleasesShareLittle() {
        ChunkIndex idx = ChunkIndex.of(manifest(2, file("a", "x:1")), manifest(1, bigFile()));
        assertEquals(1 + 5_000, idx.size());
        assertTrue(idx.capacity() >= 2 * idx.size());
        for (int i = 0; i < 5_000; i += 499) {
            long loc = idx.find(idHi("n" + i), idLo("n" + i));
            assertEquals(i, idx.chunk(loc));
            assertEquals(1, idx.version(loc));
        }
    }

    private static Entry bigFile() {
        String[] chunks = new String[5_000];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = "n" + i + ":1";
        }
        return file("big", chunks);
    }
}
