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
    private static final Scale TINY = new Scale("tiny", 120, 1 << 20, 10, 0);

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
}
