package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Format 2: chunk lists of changed files as patches against their base entries. */
class ManifestDeltaPatchTest {
    private static final ManifestCodec CODEC = new ManifestCodec();

    static LongStream seeds() {
        return LongStream.range(0, 40);
    }

    // ---- generators -------------------------------------------------------------------------

    private static ChunkList randomChunks(Random r, int n) {
        ChunkList.Builder b = ChunkList.builder(n);
        for (int i = 0; i < n; i++) {
            b.add(1 + r.nextInt(70_000), r.nextLong(), r.nextLong());
        }
        return b.build();
    }

    private static byte[] sha(Random r) {
        byte[] s = new byte[Sha256.BYTES];
        r.nextBytes(s);
        return s;
    }

    private static Entry file(Random r, String path, ChunkList chunks) {
        return Entry.file(path, 0644, r.nextLong(), chunks.totalLength(), sha(r), chunks);
    }

    /**
     * {@code base} with {@code edits} local edits, as content-defined chunking yields them: a
     * few chunks replaced, inserted or deleted at each place, everything else unchanged; now and
     * then a block moved or repeated.
     */
    static ChunkList edit(Random r, ChunkList base, int edits) {
        int n = base.size();
        int[] at = r.ints(edits, 0, Math.max(1, n)).sorted().toArray();
        ChunkList.Builder b = ChunkList.builder(n + 4 * edits);
        int next = 0;
        for (int p : at) {
            if (p < next) {
                continue;
            }
            b.addRange(base, next, p - next);
            next = p;
            switch (r.nextInt(6)) {
                case 0 -> addRandom(r, b, 1 + r.nextInt(3)); // insertion
                case 1 -> next = Math.min(n, next + 1 + r.nextInt(3)); // deletion
                case 2 -> { // a block copied from elsewhere
                    int from = r.nextInt(n);
                    b.addRange(base, from, Math.min(n - from, 1 + r.nextInt(20)));
                }
                default -> { // replacement
                    int k = Math.min(n - next, 1 + r.nextInt(2));
                    addRandom(r, b, Math.max(1, k));
                    next += k;
                }
            }
        }
        b.addRange(base, next, n - next);
        if (b.size() == 0) {
            addRandom(r, b, 1);
        }
        return b.build();
    }

    private static void addRandom(Random r, ChunkList.Builder b, int k) {
        for (int i = 0; i < k; i++) {
            b.add(1 + r.nextInt(70_000), r.nextLong(), r.nextLong());
        }
    }

    /** A random manifest with a few big files besides RandomManifests' mix. */
    static Manifest withBigFiles(long seed) {
        Random r = new Random(seed ^ 0x5eed);
        Manifest m = RandomManifests.random(seed);
        List<Entry> es = new ArrayList<>(m.entries());
        for (int i = 0; i < 3; i++) {
            es.add(file(r, "big/part" + i + ".tar", randomChunks(r, 200 + r.nextInt(3000))));
        }
        es.add(Entry.dir("big", 0755, 0));
        es.add(file(r, "once-a-dir", randomChunks(r, 40)));
        es.add(Entry.dir("once-a-file", 0755, 0));
        return new Manifest(m.dataset(), m.version(), m.parentVersion(), m.createdMillis(), m.chunker(), es);
    }

    /** The next version: files edited, retyped, touched, deleted and added. */
    static Manifest mutate(Random r, Manifest base) {
        List<Entry> es = new ArrayList<>();
        for (Entry e : base.entries()) {
            int roll = r.nextInt(100);
            String p = e.path();
            if (roll < 5) {
                continue; // deleted
            }
            if (e.path().startsWith("once-") || roll < 12) { // retyped: file <-> dir <-> symlink
                if (e.isFile()) {
                    es.add(r.nextBoolean() ? Entry.dir(p, 0750, r.nextLong()) : Entry.symlink(p, "../x", r.nextLong()));
                } else {
                    es.add(file(r, p, randomChunks(r, r.nextInt(60))));
                }
                continue;
            }
            if (!e.isFile() || roll >= 70) {
                es.add(e);
            } else if (roll < 20) { // touched: same content, new mode and mtime
                es.add(Entry.file(p, 0600, e.mtimeNanos() + 1, e.size(), e.sha256(), e.chunks()));
            } else if (roll < 25 || e.chunks().isEmpty()) { // rewritten from scratch
                es.add(file(r, p, randomChunks(r, r.nextInt(8))));
            } else {
                es.add(file(r, p, edit(r, e.chunks(), 1 + r.nextInt(1 + e.chunks().size() / 20))));
            }
        }
        for (int i = 0, n = r.nextInt(6); i < n; i++) {
            es.add(file(r, "added-" + base.version() + "-" + i, randomChunks(r, r.nextInt(30))));
        }
        return new Manifest(base.dataset(), base.version() + 1, base.version(), base.createdMillis() + 1,
                base.chunker(), es);
    }

    private static Manifest apply(Manifest base, byte[] delta) throws ManifestFormatException {
        ManifestDelta.Applied a = ManifestDelta.applyEncoded(base, CODEC.rootDigest(base), delta, ManifestLimits.DEFAULT);
        assertArrayEquals(CODEC.encode(a.manifest()), a.encoded());
        assertArrayEquals(ManifestCodec.rootDigest(a.encoded()), a.rootDigest());
        return a.manifest();
    }

    private static byte[] plain(Manifest base, Manifest target) {
        return ManifestDelta.encode(base, CODEC.rootDigest(base), target, CODEC.rootDigest(target),
                ManifestDelta.FORMAT_PLAIN);
    }

    // ---- round trips ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("seeds")
    void roundTrip_overEditsRetypesAndBack(long seed) throws Exception {
        Random r = new Random(seed);
        Manifest v1 = withBigFiles(seed);
        Manifest v2 = mutate(r, v1);
        Manifest v3 = mutate(r, v2); // retyped paths turn back into files, and so on

        byte[] d12 = ManifestDelta.encode(v1, v2);
        byte[] d23 = ManifestDelta.encode(v2, v3);
        byte[] d13 = ManifestDelta.encode(v1, v3);
        assertEquals(v2, apply(v1, d12));
        assertEquals(v3, apply(v2, d23));
        assertEquals(v3, apply(v1, d13));
        assertEquals(v1, apply(v3, ManifestDelta.encode(v3, v1.withVersion(v3.version() + 1, v3.version(), 7))
        ).withVersion(v1.version(), v1.parentVersion(), v1.createdMillis()), "and all the way back");
        assertEquals(v2, apply(v2, ManifestDelta.encode(v2, v2)), "an empty delta");

        byte[] p12 = plain(v1, v2);
        assertEquals(v2, apply(v1, p12), "format 1 is still read");
        boolean bigEdited = false;
        for (Entry e : v2.entries()) {
            Entry was = v1.get(e.path());
            bigEdited |= e.path().startsWith("big/part") && was != null && was.chunks().size() > 100
                    && e.chunks().size() > 100 && !was.chunks().equals(e.chunks());
        }
        if (bigEdited) {
            assertTrue(d12.length + 1000 < p12.length, "an edited big file is patched: " + d12.length + " vs "
                    + p12.length);
        }
        assertTrue(d12.length <= p12.length + 5, "format 2 is at most the patch section's 5 bytes larger: " + d12.length + " vs " + p12.length);
        assertTrue(ManifestDelta.describes(d12, CODEC.rootDigest(v1), CODEC.rootDigest(v2)));
        assertFalse(ManifestDelta.describes(p12, CODEC.rootDigest(v1), CODEC.rootDigest(v2)),
                "a stored format-1 delta is recomputed");
        assertFalse(ManifestDelta.describes(d12, CODEC.rootDigest(v2), CODEC.rootDigest(v1)));
        assertArrayEquals(d12, ManifestDelta.encode(v1, CODEC.rootDigest(v1), v2, CODEC.rootDigest(v2)),
                "deterministic");
    }

    @Test
    void roundTrip_duplicateChunksTouchesAndRepeats() throws Exception {
        Random r = new Random(9);
        ChunkList.Builder zeros = ChunkList.builder();
        for (int i = 0; i < 500; i++) {
            zeros.add(65536, 42, 43); // a sparse file: one chunk repeated
        }
        ChunkList z = zeros.build();
        ChunkList mixed = ChunkList.builder().addRange(z, 0, 100).addRange(randomChunks(r, 50), 0, 50)
                .addRange(z, 0, 400).build();
        ChunkList twice = ChunkList.builder().addRange(mixed, 0, mixed.size()).addRange(mixed, 0, mixed.size()).build();
        Entry a = file(r, "a", z);
        Entry b = file(r, "b", mixed);
        Manifest v1 = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, List.of(a, b));
        Manifest v2 = new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT, List.of(
                file(r, "a", edit(r, z, 5)), file(r, "b", twice)));
        byte[] d = ManifestDelta.encode(v1, v2);
        assertEquals(v2, apply(v1, d));
        assertTrue(d.length < 1500, "runs of repeated chunks stay runs: " + d.length);
    }

    // ---- size -------------------------------------------------------------------------------

    @Test
    void size_aChangedBigFileCostsItsChangesNotItsChunkList() throws Exception {
        Random r = new Random(12_000);
        ChunkList big = randomChunks(r, 12_000);
        List<Entry> es = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            es.add(file(r, "small/" + i, randomChunks(r, 1 + r.nextInt(3))));
        }
        es.add(file(r, "release.tar", big));
        Manifest v1 = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, es);
        ChunkList edited = edit(r, big, 25); // 50 or so chunks replaced, inserted or gone
        es.set(es.size() - 1, file(r, "release.tar", edited));
        Manifest v2 = new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT, es);

        byte[] d = ManifestDelta.encode(v1, v2);
        byte[] p = plain(v1, v2);
        assertEquals(v2, apply(v1, d));
        assertTrue(d.length < 5 * 1024, "format 2: " + d.length + " bytes");
        assertTrue(p.length > 240_000, "format 1: " + p.length + " bytes");
    }

    @Test
    void encode_isLinearOnALargeTree() {
        Random r = new Random(80_000);
        List<Entry> es = new ArrayList<>(80_000);
        for (int i = 0; i < 80_000; i++) {
            es.add(file(r, "d" + i / 1000 + "/f" + i, randomChunks(r, 1 + r.nextInt(3))));
        }
        Manifest v1 = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, es);
        for (int i = 0; i < 1000; i++) {
            int k = r.nextInt(es.size());
            es.set(k, file(r, es.get(k).path(), edit(r, es.get(k).chunks(), 1)));
        }
        Manifest v2 = new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT, es);
        byte[] root1 = CODEC.rootDigest(v1);
        byte[] root2 = CODEC.rootDigest(v2);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            ManifestDelta.encode(v1, root1, v2, root2);
            best = Math.min(best, System.nanoTime() - t0);
        }
        // The budget is 100 ms on a quiet machine; this bound only catches a quadratic slip.
        assertTrue(best < 1_000_000_000L, "encode took " + best / 1_000_000 + " ms");
    }

    // ---- corrupt input ----------------------------------------------------------------------

    private static Manifest corruptionBase() {
        Random r = new Random(77);
        List<Entry> es = new ArrayList<>();
        es.add(file(r, "big", randomChunks(r, 1500)));
        es.add(file(r, "gone", randomChunks(r, 3)));
        es.add(file(r, "mid", randomChunks(r, 40)));
        es.add(Entry.dir("x", 0755, 0));
        return new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT, es);
    }

    private static Manifest corruptionTarget(Manifest base) {
        Random r = new Random(78);
        List<Entry> es = new ArrayList<>();
        es.add(file(r, "big", edit(r, base.get("big").chunks(), 12)));
        es.add(file(r, "mid", edit(r, base.get("mid").chunks(), 2)));
        es.add(file(r, "new", randomChunks(r, 2)));
        es.add(Entry.symlink("x", "big", 5));
        return new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT, es);
    }

    @Test
    void everyTruncation_isAFormatException() throws Exception {
        Manifest base = corruptionBase();
        Manifest target = corruptionTarget(base);
        byte[] delta = ManifestDelta.encode(base, target);
        byte[] root = CODEC.rootDigest(base);
        assertEquals(target, apply(base, delta));
        for (int len = 0; len < delta.length; len++) {
            byte[] cut = Arrays.copyOf(delta, len);
            assertThrows(ManifestFormatException.class,
                    () -> ManifestDelta.apply(base, root, cut, ManifestLimits.DEFAULT), "truncated to " + len);
            fixCrc(cut);
            assertThrows(ManifestFormatException.class,
                    () -> ManifestDelta.apply(base, root, cut, ManifestLimits.DEFAULT),
                    "truncated to " + len + ", checksum made to match");
        }
    }

    @Test
    void corruptBytes_areFormatExceptions_withOrWithoutAMatchingChecksum() throws Exception {
        Manifest base = corruptionBase();
        Manifest target = corruptionTarget(base);
        byte[] delta = ManifestDelta.encode(base, target);
        byte[] root = CODEC.rootDigest(base);
        int patchAt = patchSectionOffset(delta);
        assertTrue(patchAt > 0 && patchAt < delta.length - 4);
        Random r = new Random(3);
        int survived = 0;
        for (int k = 0; k < 3000; k++) {
            byte[] bad = delta.clone();
            // Half the hits in the patch section, the rest anywhere.
            int i = k % 2 == 0 ? patchAt + r.nextInt(delta.length - 4 - patchAt) : r.nextInt(delta.length);
            bad[i] ^= (byte) (1 + r.nextInt(255));
            assertThrows(ManifestFormatException.class,
                    () -> ManifestDelta.apply(base, root, bad, ManifestLimits.DEFAULT), "byte " + i);
            fixCrc(bad);
            try {
                Manifest m = ManifestDelta.apply(base, root, bad, ManifestLimits.DEFAULT);
                assertEquals(target, m, "a corrupt delta that applies can only yield the announced target");
                survived++;
            } catch (ManifestFormatException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            }
        }
        assertTrue(survived < 30, survived + " corruptions still reproduced the target");
    }

    /** Where the patch section's length field is, found by walking the framing. */
    private static int patchSectionOffset(byte[] delta) {
        ByteBuffer b = ByteBuffer.wrap(delta);
        b.position(78);
        int deleted = b.getInt();
        for (int i = 0; i < deleted; i++) {
            int len = b.getShort() & 0xffff;
            b.position(b.position() + len);
        }
        int part = b.getInt();
        return b.position() + part;
    }

    private static void fixCrc(byte[] d) {
        if (d.length >= 4) {
            CRC32C crc = new CRC32C();
            crc.update(d, 0, d.length - 4);
            ByteBuffer.wrap(d).putInt(d.length - 4, (int) crc.getValue());
        }
    }

    // ---- hand-made patch sections -----------------------------------------------------------

    private static final Random FIXED = new Random(5);
    private static final ChunkList TEN = randomChunks(FIXED, 10);
    private static final Entry BASE_F = file(FIXED, "f", TEN);
    private static final Manifest BASE = new Manifest("ds", 1, 0, 0, ChunkerParams.DEFAULT,
            List.of(BASE_F, Entry.dir("d", 0755, 0)));
    private static final byte[] SHA = sha(FIXED);

    /** A format-2 delta from BASE with {@code partial} entries and a raw patch section; checksum right. */
    private static byte[] raw(List<Entry> partialEntries, byte[] patch, byte[] targetRoot) {
        Manifest partial = new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT, partialEntries);
        byte[] part = CODEC.encode(partial);
        ByteBuffer b = ByteBuffer.allocate(78 + 4 + 4 + part.length + 4 + patch.length + 4);
        b.putInt(ManifestDelta.MAGIC).putShort((short) 2).putLong(1).put(CODEC.rootDigest(BASE)).put(targetRoot);
        b.putInt(0).putInt(part.length).put(part).putInt(patch.length).put(patch);
        byte[] d = b.array();
        fixCrc(d);
        return d;
    }

    private static Entry stub(String path) {
        return Entry.file(path, 0644, 9, 0, SHA, ChunkList.EMPTY);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] record(int length, long hi, long lo) {
        return ByteBuffer.allocate(20).putInt(length).putLong(hi).putLong(lo).array();
    }

    private static ManifestFormatException rejected(byte[] patch, ManifestLimits limits) {
        return rejected(List.of(stub("f")), patch, limits);
    }

    private static ManifestFormatException rejected(List<Entry> partial, byte[] patch, ManifestLimits limits) {
        byte[] d = raw(partial, patch, new byte[32]);
        return assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.apply(BASE, CODEC.rootDigest(BASE), d, limits));
    }

    private static void assertRejected(byte[] patch, String phrase) {
        assertRejected(List.of(stub("f")), patch, ManifestLimits.DEFAULT, phrase);
    }

    private static void assertRejected(List<Entry> partial, byte[] patch, ManifestLimits limits, String phrase) {
        ManifestFormatException e = rejected(partial, patch, limits);
        assertTrue(e.getMessage().contains(phrase), "expected '" + phrase + "' in: " + e.getMessage());
        if (!phrase.equals("does not reproduce")) {
            assertTrue(e.offset() > 78, "offset " + e.offset() + " of: " + e.getMessage());
            assertTrue(e.getMessage().contains("byte " + e.offset()), e.getMessage());
        }
    }

    @Test
    void handMade_validPatch_reproducesItsTarget() throws Exception {
        // f = base chunks 0..3, one new chunk, base chunks 6..9, base chunk 0 again.
        ChunkList want = ChunkList.builder().addRange(TEN, 0, 4).add(77, 1, 2).addRange(TEN, 6, 4)
                .addRange(TEN, 0, 1).build();
        Manifest target = new Manifest("ds", 2, 1, 0, ChunkerParams.DEFAULT,
                List.of(Entry.file("f", 0644, 9, want.totalLength(), SHA, want), Entry.dir("d", 0755, 0)));
        byte[] patch = concat(bytes(1, 0, 4, /* copy 4 @0 */ 8, 0, /* 1 new */ 3), record(77, 1, 2),
                bytes(/* copy 4 @ cursor+2 */ 8, 4, /* copy 1 @ cursor-10 */ 2, 19));
        byte[] d = raw(List.of(stub("f")), patch, CODEC.rootDigest(target));
        assertEquals(target, ManifestDelta.apply(BASE, CODEC.rootDigest(BASE), d, ManifestLimits.DEFAULT));

        assertRejected(patch, "does not reproduce"); // the same patch, announcing another root
    }

    @Test
    void handMade_copyRunsOutOfRange_areRejected() {
        assertRejected(bytes(1, 0, 1, 22, 0), "copy run [0, 11) in op 0 of patched entry 'f' lies outside the "
                + "base entry's 10 chunks");
        assertRejected(bytes(1, 0, 1, 4, 1), "copy run [-1, 1)");
        assertRejected(bytes(1, 0, 2, 10, 0, 12, 0), "copy run [5, 11) in op 1");
        assertRejected(bytes(1, 0, 1, 2, 0x80 | 20, 0x80, 0x80, 0x80, 0x0f), "lies outside");
    }

    @Test
    void handMade_malformedScripts_areRejected() {
        assertRejected(bytes(1, 0, 0, 2, 0), "op count 0");
        assertRejected(bytes(1, 0, 0x80 | 0x7f, 0x7f, 0), "op count");
        assertRejected(bytes(1, 0, 1, 0, 0), "empty run");
        assertRejected(concat(bytes(1, 0, 1, 1), record(5, 1, 1)), "empty run");
        assertRejected(bytes(1, 0, 1, 0x80 | 2, 0x00, 0), "overlong varint");
        assertRejected(bytes(0x81, 0x80, 0x80, 0x80, 0x80, 0), "longer than 5 bytes");
        assertRejected(bytes(1, 0, 1, 2, 0x80, 0x80), "copy start runs past the end of the patch section");
        assertRejected(bytes(1, 0, 2, 2, 0), "op count 2");
        assertRejected(concat(bytes(1, 0, 1, 3), record(0, 1, 1)), "new chunk length 0");
        assertRejected(concat(bytes(1, 0, 1, 3), record(-5, 1, 1)), "new chunk length 4294967291");
        assertRejected(concat(bytes(1, 0, 1, 0x80 | 0x7f, 0x7f), record(5, 1, 1)), "need 163820 bytes");
        assertRejected(bytes(1, 0, 1, 2, 0, 9), "1 trailing bytes after the last patched entry");
        assertRejected(bytes(2, 0, 1, 2, 0, 0, 1, 2, 0), "patched entry count 2");
        assertRejected(bytes(1, 3, 1, 2, 0), "has index 3, past the 1 entries");
        assertRejected(bytes(0x80 | 0x7f, 0x7f), "patched entry count 16383");
    }

    @Test
    void handMade_patchedEntriesMustBeStubsOfBaseFiles() {
        assertRejected(List.of(BASE_F.withPath("e")), bytes(1, 0, 1, 2, 0), ManifestLimits.DEFAULT,
                "must stand in the partial manifest as a file of size 0");
        assertRejected(List.of(Entry.dir("f", 0755, 0)), bytes(1, 0, 1, 2, 0), ManifestLimits.DEFAULT,
                "must stand in the partial manifest");
        assertRejected(List.of(stub("g")), bytes(1, 0, 1, 2, 0), ManifestLimits.DEFAULT,
                "patched entry 'g' has no base file with chunks to patch against (base: none)");
        assertRejected(List.of(stub("d")), bytes(1, 0, 1, 2, 0), ManifestLimits.DEFAULT,
                "patched entry 'd' has no base file");
        // The second patched entry, 'f', must be found after the first ('e' has no base entry either).
        assertRejected(List.of(stub("e"), stub("f")), bytes(1, 1, 1, 2, 0, 0), ManifestLimits.DEFAULT,
                "trailing bytes");
    }

    @Test
    void handMade_chunkLimits_bindTheRebuiltList() {
        ManifestLimits small = new ManifestLimits(100, 50, 60, 4096, 1 << 20);
        byte[] sixCopies = bytes(1, 0, 6, 20, 0, 20, 19, 20, 19, 20, 19, 20, 19, 20, 19); // 6 x all ten chunks
        assertRejected(List.of(stub("f")), sixCopies, small, "op 5 of patched entry 'f' brings it to 60 chunks, "
                + "over the limit of 50");
        byte[] fiveCopies = bytes(1, 0, 5, 20, 0, 20, 19, 20, 19, 20, 19, 20, 19);
        ManifestLimits total = new ManifestLimits(100, 50, 45, 4096, 1 << 20);
        assertRejected(List.of(stub("f")), fiveCopies, total, "over the limit of 45");
        byte[] ops = concat(bytes(1, 0, 60), new byte[120]); // 60 ops, more than the 50 chunks a file may have
        for (int i = 3; i < ops.length; i += 2) {
            ops[i] = 2;
        }
        assertRejected(List.of(stub("f")), ops, small, "op count 60");
    }

    @Test
    void deltaOfAnotherFormat_orGarbage_isRejected() {
        byte[] d = ManifestDelta.encode(BASE, BASE.withVersion(2, 1, 0));
        byte[] v3 = d.clone();
        v3[5] = 3;
        fixCrc(v3);
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.apply(BASE, CODEC.rootDigest(BASE), v3, ManifestLimits.DEFAULT));
        assertTrue(e.getMessage().contains("unsupported manifest delta format 3"), e.getMessage());
        byte[] text = "not a delta at all, just some text long enough to pass the length check............."
                .getBytes(StandardCharsets.UTF_8);
        fixCrc(text);
        assertThrows(ManifestFormatException.class,
                () -> ManifestDelta.apply(BASE, CODEC.rootDigest(BASE), text, ManifestLimits.DEFAULT));
        if (d.length < 90) {
            fail("unexpectedly short delta");
        }
    }
}
