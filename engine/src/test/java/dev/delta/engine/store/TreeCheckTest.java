package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TreeCheckTest {
    private static final String[] NAMES = {"a", "a!", "a~", "a b", "b", "naïve", "日本", "x.txt"};

    /** The rule spelled out the plain way: a path's parent is a directory listed before it. */
    private static String firstOrphan(Manifest m) {
        Set<String> dirs = new HashSet<>();
        for (Entry e : m.entries()) {
            String parent = ManifestPath.parent(e.path());
            if (parent != null && !dirs.contains(parent)) {
                return e.path();
            }
            if (e.isDir()) {
                dirs.add(e.path());
            }
        }
        return null;
    }

    private static Entry file(String path) {
        return Entry.file(path, 0644, 0, 0, new byte[32], ChunkList.EMPTY);
    }

    /** Random closed trees, then broken at random (a directory dropped, or made a file or a symlink), or not. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void agreesWithThePlainRule_onRandomTreesBrokenOrNot(long seed) {
        Random r = new Random(seed);
        for (int round = 0; round < 50; round++) {
            Map<String, Entry> paths = new TreeMap<>(ManifestPath::compare);
            int want = 1 + r.nextInt(200);
            while (paths.size() < want) {
                StringBuilder p = new StringBuilder(NAMES[r.nextInt(NAMES.length)]);
                for (int d = r.nextInt(5); d > 0; d--) {
                    paths.putIfAbsent(p.toString(), Entry.dir(p.toString(), 0755, 0));
                    if (!paths.get(p.toString()).isDir()) {
                        break;
                    }
                    p.append('/').append(NAMES[r.nextInt(NAMES.length)]);
                }
                paths.putIfAbsent(p.toString(), r.nextInt(6) == 0 ? Entry.dir(p.toString(), 0755, 0)
                        : file(p.toString()));
            }
            List<Entry> es = new ArrayList<>(paths.values());
            boolean broken = r.nextBoolean();
            List<Integer> dirs = new ArrayList<>();
            for (int i = 0; i < es.size(); i++) {
                if (es.get(i).isDir()) {
                    dirs.add(i);
                }
            }
            if (broken && !dirs.isEmpty()) {
                int k = dirs.get(r.nextInt(dirs.size()));
                String p = es.get(k).path();
                switch (r.nextInt(3)) {
                    case 0 -> es.remove(k);
                    case 1 -> es.set(k, file(p));
                    default -> es.set(k, Entry.symlink(p, "/etc", 0));
                }
            }
            Manifest m = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, es);
            String orphan = firstOrphan(m);
            if (orphan == null) {
                assertDoesNotThrow(() -> TreeCheck.requireClosedTree(m), es.toString());
            } else {
                StoreException e = assertThrows(StoreException.class, () -> TreeCheck.requireClosedTree(m));
                assertTrue(e.getMessage().contains(ManifestPath.quote(orphan) + " rejected"), e.getMessage()
                        + " (expected " + orphan + ")");
            }
        }
    }

    @Test
    void namesWhatTheParentIs() {
        Manifest underFile = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT,
                List.of(file("a"), file("a/b")));
        StoreException e = assertThrows(StoreException.class, () -> TreeCheck.requireClosedTree(underFile));
        assertEquals("unsafe manifest ds v1: 'a/b' rejected: its parent is a file, not a directory", e.getMessage());
        Manifest deep = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT,
                List.of(Entry.dir("a", 0755, 0), Entry.dir("a/b", 0755, 0), file("a/b/c"), file("a/x/y")));
        e = assertThrows(StoreException.class, () -> TreeCheck.requireClosedTree(deep));
        assertEquals("unsafe manifest ds v1: 'a/x/y' rejected: its parent directory is not in the manifest",
                e.getMessage());
    }
}
