package dev.delta.engine.chunk;

import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Golden FastCDC 2020 vectors over the public-domain test image used by other FastCDC 2020
 * implementations; reproducing them bit for bit makes Delta's cut points interoperable.
 */
class FastCdcVectorsTest {
    static final String IMAGE = "/fastcdc/SekienAkashita.jpg";
    static final String IMAGE_SHA256 = "d9e749d9367fc908876749d6502eb212fee88c9a94892fb07da5ef3ba8bc39ed";

    static byte[] image() throws IOException {
        try (InputStream in = FastCdcVectorsTest.class.getResourceAsStream(IMAGE)) {
            assertNotNull(in, "test resource " + IMAGE + " is missing");
            return in.readAllBytes();
        }
    }

    /** Lengths of all chunks FastCdc cuts from {@code data}. */
    static int[] lengths(FastCdc cdc, byte[] data) {
        List<Integer> out = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = cdc.cut(data, pos, data.length - pos);
            out.add(n);
            pos += n;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void image_hasExpectedSizeAndSha256() throws IOException {
        byte[] data = image();
        assertEquals(109_466, data.length);
        assertEquals(IMAGE_SHA256, Sha256.hex(Sha256.of(data)));
    }

    @Test
    void cut_nc2_matchesOffsetsLengthsDigestsAndGearHashes() throws IOException {
        byte[] data = image();
        ChunkerParams p = new ChunkerParams(4096, 16384, 65535, 2);
        long[][] expected = {
            {0, 19186}, {19186, 19279}, {38465, 17354}, {55819, 16387}, {72206, 19940}, {92146, 17320},
        };
        String[] digests = {
            "0f9efa589121d5d9e9e2c4ace91337d77cae866537143f6f15a0ffd525a77c2d",
            "c7c86a165573c16448cda35c9169742e85645af42be22889f8b96b8ee0ec7cb0",
            "bc88521e28a8b4479cdea5f75aa721a24f3a0a7d0be903aa6d505c574e51e89d",
            "4b8dac2652e4685c629d2bb1ae9d4448e676b86f2e67ca0b2fff3d9580184b79",
            "c0a7062da6f2386c28e086ee0cedd5732252741269838773cff1ddb05b2df6ed",
            "7fa5b12134dc75cd2ac8dc60d3a8f3c8d22f0ee9d4cf74a4aa937e2a0d2d79a5",
        };
        String[] gearHashes = {
            "17583755766661134474", "4098594969649699419", "2365586132076908760",
            "16009206469796846404", "2473608525189754172", "2504464741100432583",
        };
        FastCdc cdc = new FastCdc(p);
        int[] lengths = lengths(cdc, data);
        assertEquals(expected.length, lengths.length, "chunk count");
        long offset = 0;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], offset, "offset of chunk " + i);
            assertEquals(expected[i][1], lengths[i], "length of chunk " + i);
            assertEquals(digests[i], Sha256.hex(Sha256.of(data, (int) offset, lengths[i])), "sha256 of chunk " + i);
            ReferenceCdc.Cut ref = ReferenceCdc.cut(p, data, (int) offset, data.length - (int) offset);
            assertEquals(lengths[i], ref.length(), "reference length of chunk " + i);
            assertEquals(gearHashes[i], Long.toUnsignedString(ref.hash()), "gear hash of chunk " + i);
            offset += lengths[i];
        }
    }

    @Test
    void cut_nc1_matchesOffsetsAndLengths() throws IOException {
        int[] lengths = lengths(new FastCdc(new ChunkerParams(4096, 16384, 65535, 1)), image());
        assertArrayEquals(new int[] {21325, 17140, 28084, 18217, 24700}, lengths);
        assertArrayEquals(new long[] {0, 21325, 38465, 66549, 84766}, offsets(lengths));
    }

    @Test
    void cut_nc0_matchesLengths() throws IOException {
        assertArrayEquals(new int[] {6634, 59915, 25597, 5237, 12083},
                lengths(new FastCdc(new ChunkerParams(4096, 16384, 65535, 0)), image()));
    }

    @Test
    void cut_avg32k_matchesLengths() throws IOException {
        assertArrayEquals(new int[] {66549, 42917},
                lengths(new FastCdc(new ChunkerParams(8192, 32768, 131072, 1)), image()));
    }

    @Test
    void cut_avg64k_isOneChunk() throws IOException {
        assertArrayEquals(new int[] {109466},
                lengths(new FastCdc(new ChunkerParams(16384, 65536, 262144, 1)), image()));
    }

    /** The reference vector is for nc 1 (the usual default); nc 2 and 3 mask more bits and agree. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void cut_allZeros_givesMaximalChunks(int nc) {
        int[] lengths = lengths(new FastCdc(new ChunkerParams(64, 256, 1024, nc)), new byte[10_240]);
        int[] expected = new int[10];
        java.util.Arrays.fill(expected, 1024);
        assertArrayEquals(expected, lengths);
    }

    /**
     * With nc 0 the 256-byte mask matches the constant hash that zeros settle into, so zeros
     * cut early; every cut then sees the same bytes, hence every chunk but the last is equal.
     */
    @Test
    void cut_allZerosNc0_givesEqualChunksMatchingReference() {
        ChunkerParams p = new ChunkerParams(64, 256, 1024, 0);
        byte[] zeros = new byte[10_240];
        int[] lengths = lengths(new FastCdc(p), zeros);
        for (int i = 0; i < lengths.length - 1; i++) {
            assertEquals(lengths[0], lengths[i], "chunk " + i);
        }
        assertEquals(ReferenceCdc.cut(p, zeros, 0, zeros.length).length(), lengths[0]);
    }

    private static long[] offsets(int[] lengths) {
        long[] out = new long[lengths.length];
        long o = 0;
        for (int i = 0; i < lengths.length; i++) {
            out[i] = o;
            o += lengths[i];
        }
        return out;
    }
}
