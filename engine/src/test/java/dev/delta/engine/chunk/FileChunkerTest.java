package dev.delta.engine.chunk;

import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileChunkerTest {
    static LongStream seeds() {
        return LongStream.range(1, 13);
    }

    static byte[] input(long seed, ChunkerParams p, SplittableRandom r) {
        int size = r.nextInt(p.max() * 40);
        return seed % 2 == 0 ? TestData.text(seed, size) : TestData.random(seed, size);
    }

    @Test
    void chunk_image_matchesGoldenVectors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("image.jpg");
        Files.write(file, FastCdcVectorsTest.image());
        ChunkedFile f = new FileChunker(new ChunkerParams(4096, 16384, 65535, 2)).chunk(file);
        assertEquals(109_466, f.size());
        assertEquals(FastCdcVectorsTest.IMAGE_SHA256, Sha256.hex(f.sha256()));
        long[] offsets = {0, 19186, 38465, 55819, 72206, 92146};
        assertEquals(offsets.length, f.chunks().size());
        for (int i = 0; i < offsets.length; i++) {
            assertEquals(offsets[i], f.chunks().offset(i), "offset of chunk " + i);
        }
    }

    /** Boundaries, ids and digest are the same for every buffer size and every way of splitting reads. */
    @ParameterizedTest
    @MethodSource("seeds")
    void chunk_anyBufferSizeAndReadSplits_sameResult(long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = input(seed, p, r);
        ChunkedFile expected = new FileChunker(p).chunk(Channels.newChannel(new ByteArrayInputStream(data)));
        int[] bufferSizes = {p.max(), p.max() + 1, p.max() + 1 + r.nextInt(p.max()), 3 * p.max() + 7};
        for (int bufferSize : bufferSizes) {
            ChunkedFile got = new FileChunker(p, bufferSize).chunk(new ShortReadChannel(data, seed, 1 + r.nextInt(3 * p.max())));
            assertEquals(expected.chunks(), got.chunks(), () -> p + ", buffer " + bufferSize);
            assertArrayEquals(expected.sha256(), got.sha256(), () -> p + ", buffer " + bufferSize);
        }
    }

    /** Chunks cover the input in order, ids are the XXH3-128 of their bytes, sizes stay in bounds. */
    @ParameterizedTest
    @MethodSource("seeds")
    void chunk_sink_seesContiguousChunksWithTheirIds(long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = input(seed, p, r);
        ByteArrayOutputStream joined = new ByteArrayOutputStream(data.length);
        long[] next = {0};
        ChunkedFile f = new FileChunker(p, p.max() + r.nextInt(4 * p.max())).chunk(
                new ShortReadChannel(data, seed, 4096),
                (offset, buf, off, len, hi, lo) -> {
                    assertEquals(next[0], offset, "chunk offset");
                    assertEquals(ChunkId.hash(buf, off, len), ChunkId.of(hi, lo), "chunk id at " + offset);
                    joined.write(buf, off, len);
                    next[0] += len;
                });
        assertArrayEquals(data, joined.toByteArray());
        assertEquals(data.length, f.size());
        ChunkList c = f.chunks();
        for (int i = 0; i < c.size(); i++) {
            int len = c.length(i);
            assertTrue(len <= p.max(), "chunk " + i + " of " + len + " above max, " + p);
            if (i < c.size() - 1) {
                assertTrue(len >= (p.min() & ~1), "chunk " + i + " of " + len + " below min, " + p);
            }
            assertEquals(ChunkId.hash(data, (int) c.offset(i), len), c.id(i));
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void chunk_sha256_equalsDigestOfWholeInput(long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = input(seed, p, r);
        ChunkedFile f = new FileChunker(p, p.max()).chunk(new ShortReadChannel(data, seed, 100_000));
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), f.sha256());
    }

    /** Content-defined: one inserted byte near the start disturbs at most two chunks of 64 MiB. */
    @Test
    void chunk_oneByteInserted_changesAtMostTwoChunks() throws IOException {
        byte[] old = TestData.random(64, 64 << 20);
        byte[] edited = new byte[old.length + 1];
        int at = 100_000;
        System.arraycopy(old, 0, edited, 0, at);
        edited[at] = 42;
        System.arraycopy(old, at, edited, at + 1, old.length - at);
        FileChunker chunker = new FileChunker(ChunkerParams.DEFAULT);
        ChunkList a = chunker.chunk(Channels.newChannel(new ByteArrayInputStream(old))).chunks();
        ChunkList b = chunker.chunk(Channels.newChannel(new ByteArrayInputStream(edited))).chunks();
        assertTrue(a.size() > 3000, "64 MiB in 16 KiB chunks: " + a.size());
        Set<ChunkId> before = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
            before.add(a.id(i));
        }
        int fresh = 0;
        for (int i = 0; i < b.size(); i++) {
            if (!before.contains(b.id(i))) {
                fresh++;
            }
        }
        assertTrue(fresh >= 1 && fresh <= 2, fresh + " new chunks");
        assertEquals(a.size(), b.size() - fresh + countMissing(a, b));
        // Before the edit the lists agree; from two chunks past it, they end identically.
        int first = 0;
        while (a.id(first).equals(b.id(first))) {
            first++;
        }
        assertTrue(a.offset(first) <= at && at < a.offset(first) + a.length(first), "first change at the edit");
        int tail = b.size() - first - 2;
        assertTrue(tail > 3000, "tail of " + tail);
        for (int k = 1; k <= tail; k++) {
            assertEquals(a.id(a.size() - k), b.id(b.size() - k), "chunk " + k + " from the end");
        }
    }

    private static int countMissing(ChunkList a, ChunkList b) {
        Set<ChunkId> after = new HashSet<>();
        for (int i = 0; i < b.size(); i++) {
            after.add(b.id(i));
        }
        int missing = 0;
        for (int i = 0; i < a.size(); i++) {
            if (!after.contains(a.id(i))) {
                missing++;
            }
        }
        return missing;
    }

    /** Offsets and size are longs end to end: a stream past 2 GiB keeps counting. */
    @Test
    void chunk_beyond2GiB_offsetsKeepCounting() throws IOException {
        long size = (1L << 31) + 123_457;
        byte[] pattern = TestData.random(31, (1 << 20) + 13);
        long[] next = {0};
        ChunkedFile f = new FileChunker(new ChunkerParams(1 << 18, 1 << 20, 1 << 22, 1)).chunk(
                new RepeatingChannel(pattern, size),
                (offset, buf, off, len, hi, lo) -> {
                    assertEquals(next[0], offset);
                    next[0] += len;
                });
        assertEquals(size, f.size());
        assertEquals(size, next[0]);
        ChunkList c = f.chunks();
        assertEquals(size, c.offset(c.size() - 1) + c.length(c.size() - 1));
    }

    @Test
    void chunk_emptyInput_noChunksAndEmptyDigest() throws IOException {
        ChunkedFile f = new FileChunker(ChunkerParams.DEFAULT).chunk(new ShortReadChannel(new byte[0], 1, 10));
        assertEquals(0, f.size());
        assertSame(ChunkList.EMPTY, f.chunks());
        assertArrayEquals(Sha256.of(new byte[0]), f.sha256());
    }

    @Test
    void chunk_reused_startsAfresh(@TempDir Path dir) throws IOException {
        Path one = Files.write(dir.resolve("one"), TestData.random(1, 300_000));
        Path two = Files.write(dir.resolve("two"), TestData.text(2, 200_000));
        FileChunker chunker = new FileChunker(ChunkerParams.DEFAULT);
        chunker.chunk(one);
        ChunkedFile again = chunker.chunk(two);
        ChunkedFile fresh = new FileChunker(ChunkerParams.DEFAULT).chunk(two);
        assertEquals(fresh.chunks(), again.chunks());
        assertArrayEquals(fresh.sha256(), again.sha256());
        assertEquals(200_000, again.size());
    }

    @Test
    void chunk_sinkThrows_propagates() {
        FileChunker chunker = new FileChunker(ChunkerParams.DEFAULT);
        IOException e = assertThrows(IOException.class, () -> chunker.chunk(
                new ShortReadChannel(TestData.random(5, 100_000), 5, 5000),
                (offset, buf, off, len, hi, lo) -> {
                    throw new IOException("disk full at " + offset);
                }));
        assertEquals("disk full at 0", e.getMessage());
    }

    @Test
    void new_bufferSmallerThanMax_rejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FileChunker(ChunkerParams.DEFAULT, 65535));
        assertTrue(e.getMessage().contains("cannot hold a maximal chunk of 65536 bytes"), e.getMessage());
    }

    @Test
    void new_default_bufferIsMaxPlusFourMiB() {
        assertEquals(65536 + (4 << 20), new FileChunker(ChunkerParams.DEFAULT).bufferSize());
    }
}
