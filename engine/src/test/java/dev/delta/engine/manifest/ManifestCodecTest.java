package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCodecTest {
    static final Path GOLDEN = Paths.get("src/test/resources/golden/manifest/small-v1.dm");
    /** SHA-256 of small-v1.dm: changing it means the format changed, which must be deliberate. */
    static final String SMALL_ROOT_DIGEST = "47aada17d4d628de962f49dd627e817c6376f96f127647e7ae3bd6e06282100c";

    private final ManifestCodec codec = new ManifestCodec();

    static LongStream seeds() {
        return LongStream.range(0, 150);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void decode_ofEncode_isIdentity(long seed) throws IOException {
        Manifest m = RandomManifests.random(seed);
        byte[] bytes = codec.encode(m);

        assertEquals(m, codec.decode(bytes));
        assertEquals(bytes.length, ManifestCodec.encodedSize(m));
        assertEquals(m, codec.decode(new ByteArrayInputStream(bytes)));
        assertArrayEquals(bytes, codec.encode(codec.decode(bytes)), "re-encoding a decoded manifest");
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void encode_toStream_matchesArray(long seed) throws IOException {
        Manifest m = RandomManifests.random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written = codec.encode(m, out);

        assertArrayEquals(codec.encode(m), out.toByteArray());
        assertEquals(out.size(), written);
        assertArrayEquals(ManifestCodec.rootDigest(out.toByteArray()), codec.rootDigest(m));
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 10, 20, 40})
    void decode_streamDeliveringFewBytesPerRead_isIdentity(long seed) throws IOException {
        Manifest m = RandomManifests.random(seed);
        byte[] bytes = codec.encode(m);
        Random r = new Random(seed);
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1 + r.nextInt(7)));
            }
        };
        assertEquals(m, codec.decode(trickle));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void encode_entriesGivenInAnyOrder_identicalBytes(long seed) {
        Manifest m = RandomManifests.random(seed);
        List<Entry> shuffled = new ArrayList<>(m.entries());
        Collections.shuffle(shuffled, new Random(seed));
        Manifest same = new Manifest(m.dataset(), m.version(), m.parentVersion(), m.createdMillis(), m.chunker(),
                shuffled);
        assertArrayEquals(codec.encode(m), codec.encode(same));
    }

    @Test
    void summarize_givesTheFiguresOfAFullDecodeWithoutOne() throws IOException {
        for (Manifest m : List.of(RandomManifests.small(), RandomManifests.random(11))) {
            byte[] b = codec.encode(m);
            ManifestCodec.Summary s = ManifestCodec.summarize(b);
            assertEquals(m.dataset(), s.dataset());
            assertEquals(m.version(), s.version());
            assertEquals(m.createdMillis(), s.createdMillis());
            assertEquals(m.entries().size(), s.entries());
            assertEquals(m.fileCount(), s.files());
            assertEquals(m.totalBytes(), s.totalBytes());
            for (int cut : new int[]{0, 3, 20, b.length / 2}) {
                byte[] truncated = java.util.Arrays.copyOf(b, cut);
                assertThrows(ManifestFormatException.class, () -> ManifestCodec.summarize(truncated));
            }
        }
    }

    @Test
    void encode_smallManifest_matchesGoldenFile() throws IOException {
        byte[] golden = Files.readAllBytes(GOLDEN);
        byte[] bytes = codec.encode(RandomManifests.small());

        assertArrayEquals(golden, bytes, "the v1 encoding changed; if deliberate, bump the format version");
        assertEquals(SMALL_ROOT_DIGEST, Sha256.hex(ManifestCodec.rootDigest(bytes)));
        assertEquals(RandomManifests.small(), codec.decode(golden));
    }

    @Test
    void encode_smallManifest_startsWithMagicAndVersion() {
        byte[] b = codec.encode(RandomManifests.small());
        assertArrayEquals(new byte[] {(byte) 0x89, 'D', 'M', 'F', 0, 1, 0, 0, 0, 4, 's', 'i', 't', 'e'},
                java.util.Arrays.copyOf(b, 14));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 3, 5, 11})
    void decode_everyTruncation_throwsFormatException(long seed) {
        Manifest m = seed < 0 ? RandomManifests.small() : RandomManifests.random(seed);
        byte[] bytes = codec.encode(m);
        // Every prefix of a small encoding; of a large one, both ends in full and a seeded sample between.
        Random r = new Random(seed);
        IntStream cuts = bytes.length <= 4096 ? IntStream.range(0, bytes.length)
                : IntStream.concat(IntStream.concat(IntStream.range(0, 256), IntStream.range(bytes.length - 256,
                        bytes.length)), r.ints(100, 256, bytes.length - 256));
        for (int len : cuts.toArray()) {
            int n = len;
            ManifestFormatException e = assertThrows(ManifestFormatException.class,
                    () -> codec.decode(bytes, 0, n), "prefix of " + n);
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertThrows(ManifestFormatException.class,
                    () -> codec.decode(new ByteArrayInputStream(bytes, 0, n)), "stream prefix of " + n);
        }
    }

    @Test
    void decode_everySingleBitFlip_throwsFormatException() {
        byte[] bytes = codec.encode(RandomManifests.small());
        for (int bit = 0; bit < bytes.length * 8; bit++) {
            byte[] flipped = bytes.clone();
            flipped[bit >>> 3] ^= (byte) (1 << (bit & 7));
            assertThrows(ManifestFormatException.class, () -> codec.decode(flipped), "bit " + bit);
            assertThrows(ManifestFormatException.class, () -> codec.decode(new ByteArrayInputStream(flipped)),
                    "stream, bit " + bit);
        }
    }

    @Test
    void decode_truncatedInChunkRecord_namesEntryChunkAndOffset() throws IOException {
        byte[] bytes = codec.encode(RandomManifests.small());
        // Entry 1 "docs/a.txt" has two chunk records, the last 20 bytes before entry 2 (type 0,
        // "empty"): cut 2 bytes into its second record.
        int secondRecord = indexOf(bytes, new byte[] {0, 0, 5, 'e', 'm', 'p', 't', 'y'}) - 20;
        int chunkCount = secondRecord - 20 - 4;
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> codec.decode(bytes, 0, secondRecord + 2));
        assertEquals("truncated manifest: chunk count 2 needs at least 40 more bytes, 18 left before the checksum [entry 1"
                + " ('docs/a.txt'), byte " + chunkCount + "] (the trailing checksum does not match either: the"
                + " manifest is truncated or corrupt)", e.getMessage());
        assertEquals(chunkCount, e.offset());

        // A stream's length is unknown up front, so the stream decoder finds the cut at the record.
        ManifestFormatException s = assertThrows(ManifestFormatException.class,
                () -> codec.decode(new ByteArrayInputStream(bytes, 0, secondRecord + 2)));
        assertEquals("truncated manifest: entry 1 ('docs/a.txt') chunk 1 record at byte " + secondRecord
                + " needs 20 bytes, 2 left", s.getMessage());
        assertEquals(secondRecord, s.offset());
    }

    @Test
    void decode_trailingBytes_rejected() throws IOException {
        byte[] bytes = codec.encode(RandomManifests.small());
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 3);
        ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> codec.decode(longer));
        assertTrue(e.getMessage().startsWith("trailing bytes after the checksum at byte " + (bytes.length - 4)),
                e.getMessage());
        assertThrows(ManifestFormatException.class, () -> codec.decode(new ByteArrayInputStream(longer)));
    }

    @Test
    void decode_overEntryLimit_rejectedBeforeReadingEntries() {
        byte[] bytes = codec.encode(RandomManifests.small());
        ManifestCodec strict = new ManifestCodec(new ManifestLimits(4, 100, 100, 4096, 1 << 20));
        ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> strict.decode(bytes));
        assertTrue(e.getMessage().startsWith("entry count 5 is over the limit of 4 [header, byte "), e.getMessage());
    }

    @Test
    void decode_overChunkLimits_rejected() {
        byte[] bytes = codec.encode(RandomManifests.small());
        ManifestCodec perFile = new ManifestCodec(new ManifestLimits(10, 1, 100, 4096, 1 << 20));
        assertTrue(assertThrows(ManifestFormatException.class, () -> perFile.decode(bytes)).getMessage()
                .startsWith("chunk count 2 is over the limit of 1 [entry 1 ('docs/a.txt')"));
        ManifestCodec total = new ManifestCodec(new ManifestLimits(10, 10, 2, 4096, 1 << 20));
        assertTrue(assertThrows(ManifestFormatException.class, () -> total.decode(bytes)).getMessage()
                .startsWith("chunk count 1 brings the manifest to 3 chunks, over the limit of 2 [entry 4"));
    }

    @Test
    void decode_overStringAndSizeLimits_rejected() {
        byte[] bytes = codec.encode(RandomManifests.small());
        ManifestCodec shortStrings = new ManifestCodec(new ManifestLimits(10, 10, 10, 8, 1 << 20));
        assertTrue(assertThrows(ManifestFormatException.class, () -> shortStrings.decode(bytes)).getMessage()
                .startsWith("path length 10 must be between 1 and 8 bytes [entry 1"));
        ManifestCodec small = new ManifestCodec(new ManifestLimits(10, 10, 10, 4096, bytes.length - 1));
        assertTrue(assertThrows(ManifestFormatException.class, () -> small.decode(bytes)).getMessage()
                .startsWith("manifest of " + bytes.length + " bytes exceeds the limit"));
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> small.decode(new ByteArrayInputStream(bytes)));
        assertTrue(e.getMessage().contains("more than the manifest size limit of " + (bytes.length - 1) + " bytes"),
                e.getMessage());
    }

    @Test
    void decode_streamClaimingTwoBillionEntries_rejectedByLimit() {
        byte[] claim = RawManifestWriter.header("d", 2_000_000_000L).unsealed();
        ManifestFormatException e = assertThrows(ManifestFormatException.class,
                () -> codec.decode(new ByteArrayInputStream(claim)));
        assertTrue(e.getMessage().startsWith("entry count 2000000000 is over the limit of 10000000"), e.getMessage());
    }

    @Test
    void decode_streamClaimingSixteenMillionChunks_allocatesLittle() throws IOException {
        byte[] claim = RawManifestWriter.header("d", 1).u8(0).string("f").u16(0644).i64(0).i64(1L << 40)
                .raw(new byte[32]).u32(16_000_000).unsealed();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) { // the first attempts also load classes
            long before = threads.getCurrentThreadAllocatedBytes();
            ManifestFormatException e = assertThrows(ManifestFormatException.class,
                    () -> codec.decode(new ByteArrayInputStream(claim)));
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            assertTrue(e.getMessage().startsWith("truncated manifest: entry 0 ('f') chunk 0 record at byte"),
                    e.getMessage());
        }
        // Trusting the count would cost 16M x 24 bytes = 384 MB before the first record arrived.
        assertTrue(allocated < 2_000_000, "allocated " + allocated + " bytes");
    }

    @Test
    void encode_millionChunkManifest_streamsAndRoundTrips() throws IOException {
        Random r = new Random(42);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            entries.add(RandomManifests.randomFile(r, String.format("f%03d", i), 10_000));
        }
        Manifest m = new Manifest("big", 1, 0, 0, dev.delta.engine.chunk.ChunkerParams.DEFAULT, entries);
        long t0 = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream(21_000_000);
        codec.encode(m, out);
        long t1 = System.nanoTime();
        Manifest back = codec.decode(new ByteArrayInputStream(out.toByteArray()));
        long t2 = System.nanoTime();
        Manifest fromArray = codec.decode(out.toByteArray());
        long t3 = System.nanoTime();

        assertEquals(1_000_000, back.chunkCount());
        assertEquals(m, back);
        assertEquals(m, fromArray);
        System.out.printf("1M chunks, %d bytes: encode %d ms, decode stream %d ms, decode array %d ms%n",
                out.size(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
    }

    @Test
    void encode_symlinkTargetWithUnpairedSurrogate_rejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Entry.symlink("l", "bad\ud800", 0));
        assertTrue(e.getMessage().contains("not valid Unicode"), e.getMessage());
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
