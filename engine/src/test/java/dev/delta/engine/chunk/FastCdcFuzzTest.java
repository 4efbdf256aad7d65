package dev.delta.engine.chunk;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.delta.engine.hash.ChunkId;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes parameters, content and read splits at once. In a plain test run it replays the seed
 * corpus next to this class; with fuzzing enabled it searches for inputs breaking the invariants.
 */
class FastCdcFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void chunk_fuzzedInput_matchesReferenceAndCoversInput(FuzzedDataProvider in) throws IOException {
        int bits = in.consumeInt(7, 12);
        int avg = 1 << bits;
        int nc = in.consumeInt(0, Math.min(3, bits - 5));
        int min = in.consumeInt(ChunkerParams.MIN_ALLOWED, avg - 1);
        int max = in.consumeInt(avg + 1, avg * 4);
        int bufferExtra = in.consumeInt(0, 3 * max);
        long seed = in.consumeLong();
        byte[] data = in.consumeRemainingAsBytes();
        ChunkerParams p = new ChunkerParams(min, avg, max, nc);

        FastCdc cdc = new FastCdc(p);
        int[] expected = new int[data.length];
        int count = 0;
        for (int pos = 0; pos < data.length; ) {
            int n = cdc.cut(data, pos, data.length - pos);
            assertEquals(ReferenceCdc.cut(p, data, pos, data.length - pos).length(), n, p::toString);
            expected[count++] = n;
            pos += n;
        }

        ByteArrayOutputStream joined = new ByteArrayOutputStream(data.length);
        ChunkedFile f = new FileChunker(p, max + bufferExtra).chunk(
                new ShortReadChannel(data, seed, 1 + (int) (seed & 0xffff)),
                (offset, buf, off, len, hi, lo) -> {
                    assertEquals(ChunkId.hash(buf, off, len), ChunkId.of(hi, lo));
                    joined.write(buf, off, len);
                });
        assertArrayEquals(data, joined.toByteArray());
        int[] got = new int[f.chunks().size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = f.chunks().length(i);
        }
        assertArrayEquals(Arrays.copyOf(expected, count), got, p::toString);
    }
}
