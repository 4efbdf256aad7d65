package dev.delta.node.bench;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.ManifestDiff;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchDataTest {
    private static final Scale TINY = new Scale("tiny", 120, 1 << 20, 10, 0, 12_000);

    @TempDir
    Path tmp;

    @Test
    void sameSeed_sameTrees_andTheUpdateLooksLikeARelease() throws Exception {
        BenchData.Trees a = new BenchData(7, TINY).prepare(Scenario.SOURCE_TREE, Files.createDirectory(tmp.resolve("a")));
        BenchData.Trees b = new BenchData(7, TINY).prepare(Scenario.SOURCE_TREE, Files.createDirectory(tmp.resolve("b")));
        assertFalse(ManifestDiff.between(TreeCheck.scan(a.newTree()), TreeCheck.scan(b.newTree())).hasDifferences(),
                () -> TreeCheck.differences("b", TreeCheck.scanQuietly(a.newTree()), b.newTree()).toString());
        assertFalse(ManifestDiff.between(TreeCheck.scan(a.oldTree()), TreeCheck.scan(b.oldTree())).hasDifferences());

        ManifestDiff d = ManifestDiff.between(TreeCheck.scan(a.oldTree()), TreeCheck.scan(a.newTree()));
        assertTrue(d.count(ChangeAction.UPDATE) >= 2, "files edited: " + d.changes());
        assertTrue(d.count(ChangeAction.ADD) >= 4, "files added and renamed: " + d.changes());
        assertTrue(d.count(ChangeAction.DELETE) >= 4, "files removed and renamed: " + d.changes());
    }

    @Test
    void releaseTar_isOneTarPerRelease_sameBytesForTheSameSeed_mostlyShared() throws Exception {
        BenchData.Trees a = new BenchData(5, TINY).prepare(Scenario.RELEASE_TAR, Files.createDirectory(tmp.resolve("a")));
        BenchData.Trees b = new BenchData(5, TINY).prepare(Scenario.RELEASE_TAR, Files.createDirectory(tmp.resolve("b")));
        Path oldTar = a.oldTree().resolve("release.tar");
        Path newTar = a.newTree().resolve("release.tar");
        assertEquals(1, a.files());
        try (var s = Files.list(a.oldTree())) {
            assertEquals(1, s.count(), "the old side is the tar alone");
        }
        assertEquals(-1, Files.mismatch(newTar, b.newTree().resolve("release.tar")), "deterministic tar");
        assertEquals(-1, Files.mismatch(oldTar, b.oldTree().resolve("release.tar")));
        long first = Files.mismatch(oldTar, newTar);
        assertTrue(first > 0, "the releases differ, but not from the first byte: " + first);
        byte[] head = Files.readAllBytes(newTar);
        assertEquals("ustar", new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII), "a tar file");
    }

    @Test
    void otherSeed_otherContent() throws Exception {
        Manifest a = TreeCheck.scan(new BenchData(1, TINY).prepare(Scenario.COLD, Files.createDirectory(tmp.resolve("a")))
                .newTree());
        Manifest b = TreeCheck.scan(new BenchData(2, TINY).prepare(Scenario.COLD, Files.createDirectory(tmp.resolve("b")))
                .newTree());
        assertTrue(ManifestDiff.between(a, b).hasDifferences());
    }

    @Test
    void bigFileInsert_shiftsTheFile_andCold_hasNoOldTree() throws Exception {
        BenchData.Trees t = new BenchData(3, TINY).prepare(Scenario.BIG_FILE_INSERT, Files.createDirectory(tmp.resolve("i")));
        assertEquals(Files.size(t.oldTree().resolve("archive.tar")) + 1_000, Files.size(t.newTree().resolve("archive.tar")));
        BenchData.Trees c = new BenchData(3, TINY).prepare(Scenario.COLD, Files.createDirectory(tmp.resolve("c")));
        assertNull(c.oldTree());
        assertEquals(TINY.textFiles() + 1, c.files());
    }

    /** The spec scale is the tree the node's update targets name: 80k files, about 1 GB. */
    @Test
    void textBytes_setsTheSourceFilesSize_andSpecIsEightyThousandFilesOfAboutOneGigabyte() throws Exception {
        Scale twice = new Scale("tiny-x2", TINY.textFiles(), TINY.bigFileBytes(), TINY.scatteredEdits(), 0,
                2 * TINY.textBytes());
        long a = new BenchData(3, TINY).prepare(Scenario.COLD, Files.createDirectory(tmp.resolve("a"))).bytes();
        long b = new BenchData(3, twice).prepare(Scenario.COLD, Files.createDirectory(tmp.resolve("b"))).bytes();
        assertTrue(b > a * 3 / 2 && b < a * 3,
                "twice the bound, about twice the bytes (120 files: noisy): " + a + " -> " + b);
        Scale spec = Scale.parse("spec");
        assertEquals(80_000, spec.textFiles());
        // the mean size of a source file: 200 + (7/8 * bound/2 + 1/8 * 5*bound/2)
        double mean = 200 + spec.textBytes() * (7.0 / 16 + 5.0 / 16);
        assertTrue(Math.abs(mean * spec.textFiles() - 1e9) < 0.05e9, "about 1 GB: " + mean * spec.textFiles());
    }
}
