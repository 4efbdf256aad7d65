package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestDeltaTest {
    private static final ManifestCodec CODEC = new ManifestCodec();

    private static Entry file(Random r, String path) {
        ChunkList.Builder b = ChunkList.builder();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            b.add(100 + r.nextInt(1000), r.nextLong(), r.nextLong());
        }
        ChunkList c = b.build();
        byte[] sha = new byte[32];
        r.nextBytes(sha);
        return Entry.file(path, 0644, r.nextLong() & 0xffffffffffL, c.totalLength(), sha, c);
    }

    private static Manifest tree(Random r, long version, int files) {
        List<Entry> es = new ArrayList<>();
        es.add(Entry.dir("d", 0755, 0));
        for (int i = 0; i < files; i++) {
            es.add(file(r, "d/f" + i));
        }
        return new Manifest("site", version, version - 1, 1000 * version, ChunkerParams.DEFAULT, es);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void apply_reproducesTheTargetExactly(long seed) throws Exception {
        Random r = new Random(seed);
        Manifest base = tree(r, 1, 200);
        List<Entry> es = new ArrayList<>(base.entries());
        for (int i = 0; i < 10; i++) {
            es.remove(1 + r.nextInt(es.size() - 1)); // deletions
        }
        for (int i = 0; i < 10; i++) {
            int k = 1 + r.nextInt(es.size() - 1);
            es.set(k, file(r, es.get(k).path())); // updates
        }
        for (int i = 0; i < 10; i++) {
            es.add(file(r, "d/new" + i)); // additions
        }
        es.add(Entry.symlink("link", "d/new0", 0));
        Manifest target = new Manifest("site", 2, 1, 2000, ChunkerParams.DEFAULT, es);

        byte[] delta = ManifestDelta.encode(base, target);
        Manifest rebuilt = ManifestDelta.apply(base, CODEC.rootDigest(base), delta, ManifestLimits.DEFAULT);

        assertEquals(target, rebuilt);
        // Spliced from the base's own bytes: the very same encoding as encoding the target afresh.
        byte[] baseBytes = CODEC.encode(base);
        ManifestDelta.Applied spliced = ManifestDelta.applyEncoded(base, baseBytes, CODEC.rootDigest(base), delta,
                ManifestLimits.DEFAULT);
        assertArrayEquals(CODEC.encode(target), spliced.encoded());
        assertEquals(target, spliced.manifest());
        // Bytes that are not the base's: either the wrong count of entries (encoded afresh) or the
        // root digest check fails; never another manifest.
        byte[] otherBase = CODEC.encode(tree(new Random(seed + 100), 1, 200));
        try {
            ManifestDelta.Applied a = ManifestDelta.applyEncoded(base, otherBase, CODEC.rootDigest(base), delta,
                    ManifestLimits.DEFAULT);
            assertArrayEquals(CODEC.encode(target), a.encoded());
        } catch (ManifestFormatException expected) {
            assertTrue(expected.getMessage().contains("root digest"), expected.getMessage());
        }
        byte[] truncated = java.util.Arrays.copyOf(baseBytes, baseBytes.length - 50);
        assertArrayEquals(CODEC.encode(target), ManifestDelta.applyEncoded(base, truncated, CODEC.rootDigest(base),
                delta, ManifestLimits.DEFAULT).encoded(), "unframed bytes: encoded afresh");
        assertTrue(delta.length * 5 < CODEC.encode(target).length, "a 15% change is a fraction of the full manifest: "
                + delta.length + " vs " + CODEC.encode(target).length);
        assertEquals(1, ManifestDelta.baseVersion(delta));
    }

    /**
     * A nested tree of a few hundred paths ('a', 'a!', 'a/b' and the like, where '/' sorting first
     * matters), changed at random everywhere, the first and last paths included: the rebuilt
     * manifest is the target, spliced or not, and its totals (kept from the base's, adjusted by
     * the merge) are the ones a pass over its entries gives.
     */
    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22})
    void apply_rebuildsAnyChangeOfANestedTree_withItsTotals(long seed) throws Exception {
        Random r = new Random(seed);
        String[] names = {"a", "a!", "a~", "b", "naïve", "日本", "x.txt", "a b", "z"};
        java.util.Map<String, Entry> paths = new java.util.TreeMap<>(ManifestPath::compare);
        int want = 100 + r.nextInt(500);
        while (paths.size() < want) {
            StringBuilder p = new StringBuilder(names[r.nextInt(names.length)]);
            for (int d = r.nextInt(4); d > 0; d--) {
                paths.putIfAbsent(p.toString(), Entry.dir(p.toString(), 0755, d));
                if (!paths.get(p.toString()).isDir()) {
                    break;
                }
                p.append('/').append(names[r.nextInt(names.length)]);
            }
            String path = p.toString();
            if (!paths.containsKey(path)) {
                paths.put(path, r.nextInt(8) == 0 ? Entry.symlink(path, "a", 1) : file(r, path));
            }
        }
        Manifest base = new Manifest("site", 3, 2, 3000, ChunkerParams.DEFAULT, new ArrayList<>(paths.values()));
        List<Entry> es = new ArrayList<>();
        int rate = 2 + r.nextInt(30); // one change in `rate` paths, on average
        for (Entry e : base.entries()) {
            int roll = r.nextInt(rate * 4);
            if (roll == 0) {
                continue; // deleted
            } else if (roll == 1) {
                es.add(e.isFile() ? file(r, e.path()) : Entry.symlink(e.path(), "b", 2)); // changed, or its type
            } else if (roll == 2) {
                es.add(e);
                String added = e.path() + (r.nextBoolean() ? "!" : "~new");
                if (!paths.containsKey(added)) {
                    es.add(file(r, added)); // added right after it
                }
            } else if (roll == 3) {
                es.add(e.isDir() ? Entry.dir(e.path(), 0700, 9) : e); // metadata only
            } else {
                es.add(e);
            }
        }
        es.add(file(r, "\u9f8d-after-everything")); // sorts after every other name here
        Manifest target = new Manifest("site", 4, 3, 4000, ChunkerParams.DEFAULT, es);
        byte[] delta = ManifestDelta.encode(base, target);
        byte[] baseBytes = CODEC.encode(base);

        for (byte[] encodedBase : new byte[][] {baseBytes, null}) {
            ManifestDelta.Applied a = ManifestDelta.applyEncoded(base, encodedBase, CODEC.rootDigest(base), delta,
                    ManifestLimits.DEFAULT);
            assertEquals(target, a.manifest());
            assertArrayEquals(CODEC.encode(target), a.encoded());
            Manifest counted = new Manifest("site", 4, 3, 4000, ChunkerParams.DEFAULT, a.manifest().entries());
            assertEquals(counted.totalBytes(), a.manifest().totalBytes());
            assertEquals(counted.chunkCount(), a.manifest().chunkCount());
            assertEquals(counted.fileCount(), a.manifest().fileCount());
            assertEquals(counted.symlinkCount(), a.manifest().symlinkCount());
        }
    }

    /** The rebuilt manifest's size is measured from the base's bytes when spliced: the limit holds all the same. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRebuiltManifestOverTheSizeLimit_isRejected_splicedOrNot(boolean spliced) throws Exception {
        Random r = new Random(9);
        Manifest base = tree(r, 1, 200);
        List<Entry> es = new ArrayList<>(base.entries());
        for (int i = 0; i < 10; i++) {
            int k = 1 + r.nextInt(es.size() - 1);
            es.set(k, file(r, es.get(k).path()));
        }
        Manifest target = new Manifest("site", 2, 1, 2000, ChunkerParams.DEFAULT, es);
        byte[] delta = ManifestDelta.encode(base, target);
        byte[] baseBytes = spliced ? CODEC.encode(base) : null;
        int size = CODEC.encode(target).length;
        ManifestLimits d = ManifestLimits.DEFAULT;
        ManifestLimits exact = new ManifestLimits(d.maxEntries(), d.maxChunksPerFile(), d.maxTotalChunks(),
                d.maxStringBytes(), size);
        ManifestLimits under = new ManifestLimits(d.maxEntries(), d.maxChunksPerFile(), d.maxTotalChunks(),
                d.maxStringBytes(), size - 1);

        assertEquals(size, ManifestDelta.applyEncoded(base, baseBytes, CODEC.rootDigest(base), delta, exact)
                .encoded().length);
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.applyEncoded(base, baseBytes, CODEC.rootDigest(base), delta, under));
        assertTrue(e.getMessage().contains("manifest delta yields a manifest of " + size + " bytes, over the limit of "
                + (size - 1)), e.getMessage());
    }

    @Test
    void apply_rejectsAnotherBaseCorruptionAndTruncation() throws Exception {
        Random r = new Random(1);
        Manifest base = tree(r, 1, 50);
        Manifest other = tree(r, 1, 50);
        Manifest target = tree(r, 2, 50);
        byte[] delta = ManifestDelta.encode(base, target);
        byte[] baseRoot = CODEC.rootDigest(base);

        ManifestFormatException wrongBase = assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.apply(other, CODEC.rootDigest(other), delta, ManifestLimits.DEFAULT));
        assertTrue(wrongBase.getMessage().contains("not for the held v1"), wrongBase.getMessage());

        for (int i = 0; i < delta.length; i += 7) {
            byte[] flipped = delta.clone();
            flipped[i] ^= 0x10;
            assertThrows(ManifestFormatException.class,
                    () -> ManifestDelta.apply(base, baseRoot, flipped, ManifestLimits.DEFAULT), "flip at " + i);
        }
        for (int len = 0; len < delta.length; len += 13) {
            byte[] cut = java.util.Arrays.copyOf(delta, len);
            assertThrows(ManifestFormatException.class,
                    () -> ManifestDelta.apply(base, baseRoot, cut, ManifestLimits.DEFAULT), "truncated to " + len);
        }
    }

    @Test
    void apply_rejectsADeltaThatDoesNotReproduceItsAnnouncedDigest() throws Exception {
        Random r = new Random(2);
        Manifest base = tree(r, 1, 20);
        Manifest target = tree(r, 2, 20);
        byte[] delta = ManifestDelta.encode(base, target);
        // Rewrite the announced target digest and fix the checksum: a forged announcement.
        byte[] forged = delta.clone();
        forged[4 + 2 + 8 + 32] ^= 1;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(forged, 0, forged.length - 4);
        java.nio.ByteBuffer.wrap(forged).putInt(forged.length - 4, (int) crc.getValue());
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.apply(base, CODEC.rootDigest(base), forged, ManifestLimits.DEFAULT));
        assertTrue(e.getMessage().contains("does not reproduce"), e.getMessage());
        assertEquals(64, Sha256.hex(CODEC.rootDigest(target)).length());
    }
}
