package dev.delta.engine.chunk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FastCdcTest {
    static LongStream seeds() {
        return LongStream.range(1, 41);
    }

    /** The optimized two-byte loop cuts exactly where the plain byte-at-a-time definition does. */
    @ParameterizedTest
    @MethodSource("seeds")
    void cut_anyParamsAndInput_matchesReference(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        int size = r.nextInt(p.max() * 6);
        byte[] data = seed % 3 == 0 ? TestData.text(seed, size) : TestData.random(seed, size);
        FastCdc cdc = new FastCdc(p);
        int pos = 0;
        while (pos < size) {
            int n = cdc.cut(data, pos, size - pos);
            assertEquals(ReferenceCdc.cut(p, data, pos, size - pos).length(), n, () -> p + ", " + data.length + "-byte input");
            pos += n;
        }
    }

    /** Every chunk but a short tail lies within [min rounded down to even, max]. */
    @ParameterizedTest
    @MethodSource("seeds")
    void cut_anyInput_staysWithinBounds(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = TestData.random(seed, p.max() * 8 + r.nextInt(p.max()));
        FastCdc cdc = new FastCdc(p);
        int pos = 0;
        while (pos < data.length) {
            int left = data.length - pos;
            int n = cdc.cut(data, pos, left);
            assertTrue(n <= p.max(), () -> "chunk of " + n + " above max, " + p);
            if (n < left) {
                assertTrue(n >= (p.min() & ~1), () -> "chunk of " + n + " below min, " + p);
            }
            pos += n;
        }
    }

    /** Only the first max bytes matter: more input after them never moves a cut. */
    @ParameterizedTest
    @MethodSource("seeds")
    void cut_moreThanMaxAvailable_ignoresBytesBeyondMax(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = TestData.random(seed, p.max() * 3);
        FastCdc cdc = new FastCdc(p);
        int atMax = cdc.cut(data, 0, p.max());
        assertEquals(atMax, cdc.cut(data, 0, data.length));
        // Scribbling past max does not change it either.
        Arrays.fill(data, p.max(), data.length, (byte) 0);
        assertEquals(atMax, cdc.cut(data, 0, data.length));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void cut_atOffset_sameAsAtStartOfCopy(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ChunkerParams p = TestData.params(r);
        byte[] data = TestData.random(seed, p.max() * 2);
        int off = 1 + r.nextInt(p.max());
        int len = data.length - off;
        byte[] copy = Arrays.copyOfRange(data, off, data.length);
        FastCdc cdc = new FastCdc(p);
        assertEquals(cdc.cut(copy, 0, len), cdc.cut(data, off, len));
    }

    @Test
    void cut_atMostMinLeft_isOneChunk() {
        FastCdc cdc = new FastCdc(ChunkerParams.DEFAULT);
        byte[] data = TestData.random(7, 4096);
        assertEquals(4096, cdc.cut(data, 0, 4096));
        assertEquals(1, cdc.cut(data, 100, 1));
    }

    @Test
    void cut_noCutPointFound_returnsMax() {
        // Zeros with nc 1 never match: the hash settles into a constant that misses the mask.
        FastCdc cdc = new FastCdc(new ChunkerParams(64, 256, 1024, 1));
        assertEquals(1024, cdc.cut(new byte[5000], 0, 5000));
        assertEquals(999, cdc.cut(new byte[5000], 0, 999));
    }

    @Test
    void cut_badRange_throws() {
        FastCdc cdc = new FastCdc(ChunkerParams.DEFAULT);
        byte[] data = new byte[100];
        assertThrows(IndexOutOfBoundsException.class, () -> cdc.cut(data, 50, 51));
        assertThrows(IndexOutOfBoundsException.class, () -> cdc.cut(data, -1, 10));
        assertThrows(IndexOutOfBoundsException.class, () -> cdc.cut(data, 0, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cdc.cut(data, 10, 0));
        assertTrue(e.getMessage().contains("len is 0"), e.getMessage());
    }

    @Test
    void gear_matchesMd5Definition() throws Exception {
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        byte[] ones = new byte[64];
        Arrays.fill(ones, (byte) 1);
        byte[] d = md5.digest(ones);
        long expected = java.nio.ByteBuffer.wrap(d).getLong();
        assertEquals(expected, Gear.GEAR[1]);
        assertEquals(expected << 1, Gear.GEAR_LS[1]);
        for (int i = 0; i < 256; i++) {
            assertEquals(Gear.GEAR[i] << 1, Gear.GEAR_LS[i]);
        }
        assertEquals(256, Arrays.stream(Gear.GEAR).distinct().count(), "gear values are distinct");
    }

    @Test
    void mask_outOfRange_throwsWithRange() {
        assertEquals(0x0000d90313530000L, Gear.mask(14));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gear.mask(4));
        assertTrue(e.getMessage().contains("2^5 .. 2^25"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gear.mask(26));
    }
}
