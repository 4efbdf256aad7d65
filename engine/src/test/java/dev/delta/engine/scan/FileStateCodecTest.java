package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.ChunkId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileStateCodecTest {
    private static final ChunkerParams PARAMS = ChunkerParams.DEFAULT;

    private static ChunkedFile randomFile(long seed, int chunks) {
        Random rnd = new Random(seed);
        ChunkList.Builder b = ChunkList.builder();
        for (int i = 0; i < chunks; i++) {
            b.add(1 + rnd.nextInt(70_000), rnd.nextLong(), rnd.nextLong());
        }
        ChunkList cl = b.build();
        byte[] sha = new byte[32];
        rnd.nextBytes(sha);
        return new ChunkedFile(cl.totalLength(), sha, cl);
    }

    private static FileStat stat(long size) {
        return new FileStat(FileStat.Kind.FILE, 0644, size, 1_600_000_000_123_456_789L, 4242, 66306, 1_600_000_001_000_000_000L);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 100})
    void encodeDecode_inline_isIdentity(int chunks) {
        ChunkedFile f = randomFile(chunks, chunks);
        FileStat st = stat(f.size());
        byte[] v = FileStateCodec.encode("a/b.txt", st, PARAMS, f, FileStateCodec.table(f.chunks()), null);
        assertEquals(FileStateCodec.HEADER + chunks * FileStateCodec.CHUNK_BYTES + FileStateCodec.CHECK, v.length);

        FileStateCodec.Value d = FileStateCodec.decode("a/b.txt", v);

        assertNotNull(d);
        assertTrue(d.stat().sameContentIdentity(st));
        assertEquals(PARAMS, d.params());
        assertArrayEquals(f.sha256(), d.sha256());
        assertEquals(f.chunks(), d.chunks());
    }

    @Test
    void encodeDecode_sideFileReference() {
        ChunkedFile f = randomFile(9, 5000);
        byte[] table = FileStateCodec.table(f.chunks());
        ChunkId side = FileStateCodec.sideId(table);
        byte[] v = FileStateCodec.encode("big", stat(f.size()), PARAMS, f, table, side);

        FileStateCodec.Value d = FileStateCodec.decode("big", v);

        assertTrue(d.inSideFile());
        assertEquals(5000, d.chunkCount());
        assertEquals(side, ChunkId.of(d.sideHi(), d.sideLo()));
        assertEquals(f.chunks(), FileStateCodec.chunks(table, 0, 5000, f.size()));
    }

    @Test
    void decode_rejectsEverySingleBitFlip() {
        ChunkedFile f = randomFile(3, 3);
        byte[] v = FileStateCodec.encode("k", stat(f.size()), PARAMS, f, FileStateCodec.table(f.chunks()), null);
        for (int i = 0; i < v.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = v.clone();
                bad[i] ^= (byte) (1 << bit);
                assertNull(FileStateCodec.decode("k", bad), "flip of bit " + bit + " in byte " + i);
            }
        }
    }

    @Test
    void decode_rejectsValueUnderAnotherKey_truncationAndGarbage() {
        ChunkedFile f = randomFile(4, 2);
        byte[] v = FileStateCodec.encode("one", stat(f.size()), PARAMS, f, FileStateCodec.table(f.chunks()), null);
        assertNull(FileStateCodec.decode("two", v));
        for (int len = 0; len < v.length; len++) {
            assertNull(FileStateCodec.decode("one", Arrays.copyOf(v, len)), "truncated to " + len);
        }
        assertNull(FileStateCodec.decode("one", new byte[v.length]));
        assertNull(FileStateCodec.decode("one", null));
    }

    @Test
    void chunks_rejectsTablesThatDoNotAddUp() {
        ChunkedFile f = randomFile(5, 4);
        byte[] t = FileStateCodec.table(f.chunks());
        assertNull(FileStateCodec.chunks(t, 0, 4, f.size() + 1));
        assertNull(FileStateCodec.chunks(t, 0, 5, f.size()));
        byte[] zeroLength = t.clone();
        Arrays.fill(zeroLength, 0, 4, (byte) 0);
        assertNull(FileStateCodec.chunks(zeroLength, 0, 4, f.size()));
    }
}
