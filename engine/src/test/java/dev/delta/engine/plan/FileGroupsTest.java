package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileGroupsTest {

    /** A file of {@code size} bytes (one chunk) whose content is named by {@code content}. */
    private static Entry file(String path, int size, String content) {
        return Manifests.file(path, content + ":" + size);
    }

    /** A seeded tree: {@code n} files of 1 byte to 40 KiB in a few directories, plus some big ones. */
    private static List<Entry> tree(long seed, int n) {
        Random r = new Random(seed);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = r.nextInt(20) == 0 ? 200_000 + r.nextInt(100_000) : 1 + r.nextInt(r.nextBoolean() ? 4_000 : 40_000);
            out.add(file(String.format("d%02d/f%05d.txt", i % 37, i), size, "c" + seed + "-" + i));
        }
        return out;
    }

    private static Manifest manifest(List<Entry> entries) {
        return new Manifest("site", 1, 0, 0, ChunkerParams.DEFAULT, entries);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void groupsHoldSmallFilesInOrderWithinTheLimit(long seed) {
        Manifest m = manifest(tree(seed, 3000));
        List<int[]> groups = FileGroups.of(m);
        assertFalse(groups.isEmpty());
        Set<Integer> seen = new HashSet<>();
        int last = -1;
        int grouped = 0;
        for (int[] g : groups) {
            assertTrue(g.length >= 2, "a group has two files or more");
            long bytes = FileGroups.bytes(m, g);
            assertTrue(bytes <= FileGroups.MAX_GROUP, bytes + " bytes in a group");
            for (int f : g) {
                assertTrue(f > last, "manifest order, no file twice");
                last = f;
                assertTrue(seen.add(f));
                assertTrue(FileGroups.groupable(m.entries().get(f)), m.entries().get(f).path());
            }
            grouped += g.length;
        }
        long small = m.entries().stream().filter(FileGroups::groupable).count();
        assertTrue(grouped > small * 9 / 10, grouped + " of " + small + " small files grouped");
        // the same manifest always gives the same groups
        List<int[]> again = FileGroups.of(manifest(tree(seed, 3000)));
        assertEquals(groups.size(), again.size());
        for (int i = 0; i < groups.size(); i++) {
            assertArrayEquals(groups.get(i), again.get(i));
        }
    }

    @Test
    void directoriesSymlinksEmptyAndBigFilesAreNotGrouped() {
        Manifest m = manifest(List.of(
                Entry.dir("a", 0755, 0),
                file("a/1", 10, "x"),
                Entry.symlink("a/2", "1", 0),
                Manifests.file("a/3"),
                file("a/4", FileGroups.MAX_FILE + 1, "big"),
                file("a/5", FileGroups.MAX_FILE, "y"),
                file("a/6", 7, "z")));
        List<int[]> groups = FileGroups.of(m);
        assertEquals(1, groups.size());
        assertArrayEquals(new int[]{1, 5, 6}, groups.get(0));
    }

    @Test
    void aLoneSmallFileMakesNoGroup() {
        Manifest m = manifest(List.of(file("a", 10, "x"), file("b", 300_000, "big")));
        assertTrue(FileGroups.of(m).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6, 7})
    void anAddedFileRegroupsOnlyItsNeighbours(long seed) {
        List<Entry> before = tree(seed, 3000);
        List<Entry> after = new ArrayList<>(before);
        after.add(file("d10/f01500a.txt", 3_000, "new"));
        int c = 2000;
        while (!FileGroups.groupable(before.get(c))) {
            c++;
        }
        after.set(c, file(before.get(c).path(), (int) before.get(c).size(), "changed"));
        Manifest a = manifest(before);
        Manifest b = manifest(after);
        Set<String> keysBefore = keys(a);
        List<int[]> groupsAfter = FileGroups.of(b);
        int changed = 0;
        for (int[] g : groupsAfter) {
            if (!keysBefore.contains(Sha256.hex(FileGroups.key(b, g)))) {
                changed++;
            }
        }
        assertTrue(changed <= 8, changed + " of " + groupsAfter.size() + " groups changed for one added and one "
                + "changed file");
        assertTrue(changed >= 1, "the group of the changed file is new");
    }

    private static Set<String> keys(Manifest m) {
        Set<String> keys = new HashSet<>();
        for (int[] g : FileGroups.of(m)) {
            keys.add(Sha256.hex(FileGroups.key(m, g)));
        }
        return keys;
    }

    @Test
    void theKeyNamesContentsInOrder() {
        Manifest m = manifest(List.of(file("a", 10, "x"), file("b", 10, "y"), file("c", 10, "x")));
        Manifest renamed = manifest(List.of(file("p", 10, "x"), file("q", 10, "y"), file("r", 10, "x")));
        Manifest changed = manifest(List.of(file("a", 10, "x"), file("b", 10, "z"), file("c", 10, "x")));
        byte[] k = FileGroups.key(m, new int[]{0, 1});
        assertArrayEquals(k, FileGroups.key(renamed, new int[]{0, 1}), "the same contents, other paths: same key");
        assertArrayEquals(k, FileGroups.key(m, new int[]{2, 1}), "file 2 has file 0's content");
        assertFalse(Arrays.equals(k, FileGroups.key(m, new int[]{1, 0})), "order counts");
        assertFalse(Arrays.equals(k, FileGroups.key(changed, new int[]{0, 1})), "content counts");
        assertFalse(Arrays.equals(k, Manifests.file("a", "x:10").sha256()), "not a content hash");
    }
}
