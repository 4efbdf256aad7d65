package dev.delta.engine.scan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.ManifestPath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TreeWalkerTest {
    @TempDir
    Path tmp;

    /** Names whose byte order, code-point order and path order disagree in every way we know. */
    private static final String[] NAMES = {"a", "a.txt", "a-b", "a0", "A", "b", "ab", "\u00e9", "z", "\ud83d\ude00", "\uffe0", "_"};

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void slots_comeOutInCanonicalOrder_withoutSorting(int threads) throws IOException {
        Random rnd = new Random(threads);
        Path root = tmp.resolve("tree");
        int files = 0;
        for (int i = 0; i < 400; i++) {
            StringBuilder rel = new StringBuilder();
            int depth = 1 + rnd.nextInt(4);
            for (int d = 0; d < depth; d++) {
                rel.append(d == 0 ? "" : "/").append(NAMES[rnd.nextInt(NAMES.length)]);
            }
            Path p = root.resolve(rel.toString());
            if (Files.exists(p)) {
                continue;
            }
            try {
                Files.createDirectories(p.getParent());
                Files.write(p, new byte[]{(byte) i});
                files++;
            } catch (java.nio.file.FileSystemException e) {
                // an ancestor is already a file: skip this path
            }
        }
        TreeWalker w = new TreeWalker(root, IgnoreRules.parse(List.of(), "test"), null,
                new ProgressReporter(ScanProgress.NONE), threads);
        w.walk();

        List<String> paths = new ArrayList<>();
        for (int i = 0; i < w.slots.size(); i++) {
            Entry e = w.slots.get(i);
            paths.add(e != null ? e.path() : null);
        }
        for (TreeWalker.FileTask t : w.files) {
            assertNull(paths.get(t.slot()), "a file's slot is left empty for the chunker");
            paths.set(t.slot(), t.path());
        }
        assertEquals(files, w.files.size());
        assertEquals(files, w.regularFiles);
        for (int i = 1; i < paths.size(); i++) {
            assertTrue(ManifestPath.compare(paths.get(i - 1), paths.get(i)) < 0,
                    paths.get(i - 1) + " should come before " + paths.get(i));
        }
        try (var s = Files.walk(root)) {
            assertEquals(s.count() - 1, paths.size(), "every path below the root has exactly one slot");
        }
    }
}
