package dev.delta.engine.patch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefPatchTest {
    private static final String[] WORDS = "int long return if else for while class static final void public private new"
            .split(" ");

    static byte[] text(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(7) == 0 ? ";\n" : " ");
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), n);
    }

    /** An edit like the bench's: cut up to 300 bytes at a random place and insert up to 550 new ones. */
    static byte[] edit(Random r, byte[] old) {
        int at = r.nextInt(old.length);
        int cut = Math.min(old.length - at, r.nextInt(300));
        byte[] ins = text(r, r.nextInt(550));
        byte[] out = new byte[old.length - cut + ins.length];
        System.arraycopy(old, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(old, at + cut, out, at + ins.length, old.length - at - cut);
        return out;
    }

    static byte[] roundTrip(byte[] ref, byte[] target, int[] streamLen) throws PatchFormatException {
        RefPatch.Encoder enc = new RefPatch.Encoder().reference(ref, ref.length);
        byte[] stream = new byte[target.length];
        int n = enc.encode(target, 0, target.length, stream);
        streamLen[0] = n;
        if (n < 0) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(target.length);
        RefPatch.apply(ByteBuffer.wrap(stream, 0, n), ByteBuffer.wrap(ref), out, target.length);
        assertEquals(target.length, out.position());
        return out.array();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void editedText_roundTripsAndCostsAboutTheEdit(long seed) throws Exception {
        Random r = new Random(seed);
        byte[] old = text(r, 200 + r.nextInt(20_000));
        byte[] neu = edit(r, old);
        int[] len = new int[1];
        byte[] back = roundTrip(old, neu, len);
        assertArrayEquals(neu, back);
        // The inserted bytes (< 550) plus a few instructions, never the whole file.
        assertTrue(len[0] < 600, "patch of " + len[0] + " bytes for a " + neu.length + "-byte file");
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28})
    void arbitraryBytes_roundTripOrDeclineWithoutLoss(long seed) throws Exception {
        Random r = new Random(seed);
        byte[] ref = new byte[r.nextInt(5000)];
        r.nextBytes(ref);
        byte[] target = new byte[1 + r.nextInt(5000)];
        // Mix: pieces of the reference (possibly moved or repeated) and random bytes.
        int o = 0;
        while (o < target.length) {
            int n = Math.min(target.length - o, 1 + r.nextInt(300));
            if (ref.length > n && r.nextBoolean()) {
                System.arraycopy(ref, r.nextInt(ref.length - n), target, o, n);
            } else {
                byte[] b = new byte[n];
                r.nextBytes(b);
                System.arraycopy(b, 0, target, o, n);
            }
            o += n;
        }
        int[] len = new int[1];
        byte[] back = roundTrip(ref, target, len);
        if (back != null) {
            assertArrayEquals(target, back);
            assertTrue(len[0] < target.length);
        }
    }

    @Test
    void unrelatedData_isDeclined() {
        Random r = new Random(5);
        byte[] ref = new byte[4096];
        byte[] target = new byte[4096];
        r.nextBytes(ref);
        r.nextBytes(target);
        assertEquals(-1, new RefPatch.Encoder().reference(ref, ref.length).encode(target, 0, target.length,
                new byte[target.length]));
    }

    @Test
    void encoderIsReusableAcrossReferencesAndOffsets() throws Exception {
        Random r = new Random(9);
        RefPatch.Encoder enc = new RefPatch.Encoder();
        for (int k = 0; k < 5; k++) {
            byte[] ref = text(r, 1000 + r.nextInt(100_000));
            byte[] neu = edit(r, ref);
            enc.reference(ref, ref.length);
            int off = r.nextInt(neu.length / 2);
            int len = neu.length - off;
            byte[] stream = new byte[len];
            int n = enc.encode(neu, off, len, stream);
            assertTrue(n > 0);
            ByteBuffer out = ByteBuffer.allocate(len);
            RefPatch.apply(ByteBuffer.wrap(stream, 0, n), ByteBuffer.wrap(ref), out, len);
            assertArrayEquals(Arrays.copyOfRange(neu, off, neu.length), out.array());
        }
    }

    @Test
    void everyTruncationAndManyCorruptionsAreRejectedOrStayInBounds() throws Exception {
        Random r = new Random(77);
        byte[] ref = text(r, 8000);
        byte[] neu = edit(r, edit(r, ref));
        byte[] stream = new byte[neu.length];
        int n = new RefPatch.Encoder().reference(ref, ref.length).encode(neu, 0, neu.length, stream);
        assertTrue(n > 0);
        for (int cut = 0; cut < n; cut++) {
            int c = cut;
            assertThrows(PatchFormatException.class, () -> RefPatch.apply(ByteBuffer.wrap(stream, 0, c),
                    ByteBuffer.wrap(ref), ByteBuffer.allocate(neu.length), neu.length));
        }
        for (int i = 0; i < 5000; i++) {
            byte[] bad = Arrays.copyOf(stream, n);
            bad[r.nextInt(n)] ^= (byte) (1 + r.nextInt(255));
            try {
                RefPatch.apply(ByteBuffer.wrap(bad), ByteBuffer.wrap(ref), ByteBuffer.allocate(neu.length), neu.length);
            } catch (PatchFormatException expected) {
                // fine: a clear error; anything else (an index exception) fails the test
            }
        }
    }

    @Test
    void hostileInstructions_areNamed() {
        ByteBuffer ref = ByteBuffer.wrap(new byte[100]);
        // literal 0, copy 50 from delta +80: reaches past the 100-byte reference
        byte[] overrun = {0, 50, (byte) 160, 1};
        PatchFormatException e = assertThrows(PatchFormatException.class,
                () -> RefPatch.apply(ByteBuffer.wrap(overrun), ref, ByteBuffer.allocate(50), 50));
        assertTrue(e.getMessage().contains("overruns"), e.getMessage());
        byte[] empty = {0, 0};
        e = assertThrows(PatchFormatException.class,
                () -> RefPatch.apply(ByteBuffer.wrap(empty), ref, ByteBuffer.allocate(10), 10));
        assertTrue(e.getMessage().contains("empty instruction"), e.getMessage());
        byte[] longNumber = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1};
        e = assertThrows(PatchFormatException.class,
                () -> RefPatch.apply(ByteBuffer.wrap(longNumber), ref, ByteBuffer.allocate(10), 10));
        assertTrue(e.getMessage().contains("number"), e.getMessage());
        byte[] negative = {0, 10, 3}; // delta -2 from 0
        e = assertThrows(PatchFormatException.class,
                () -> RefPatch.apply(ByteBuffer.wrap(negative), ref, ByteBuffer.allocate(10), 10));
        assertTrue(e.getMessage().contains("reference offset -2"), e.getMessage());
        byte[] leftover = {1, 'x', 0, 7};
        e = assertThrows(PatchFormatException.class,
                () -> RefPatch.apply(ByteBuffer.wrap(leftover), ref, ByteBuffer.allocate(1), 1));
        assertTrue(e.getMessage().contains("left"), e.getMessage());
    }

    @Test
    void buffersWithOffsets_areHonoured() throws Exception {
        Random r = new Random(3);
        byte[] ref = text(r, 3000);
        byte[] neu = edit(r, ref);
        byte[] stream = new byte[neu.length];
        int n = new RefPatch.Encoder().reference(ref, ref.length).encode(neu, 0, neu.length, stream);
        byte[] padded = new byte[n + 20];
        System.arraycopy(stream, 0, padded, 10, n);
        byte[] refPadded = new byte[ref.length + 7];
        System.arraycopy(ref, 0, refPadded, 7, ref.length);
        ByteBuffer out = ByteBuffer.allocate(neu.length + 5).position(5);
        ByteBuffer patch = ByteBuffer.wrap(padded, 10, n);
        ByteBuffer refBuf = ByteBuffer.wrap(refPadded).position(7);
        RefPatch.apply(patch, refBuf, out, neu.length);
        assertEquals(10, patch.position());
        assertEquals(7, refBuf.position());
        assertArrayEquals(neu, Arrays.copyOfRange(out.array(), 5, 5 + neu.length));
    }

    /** One encoder over many references (as an origin's, window after window) writes what a fresh one would. */
    @Test
    void encoderReused_acrossReferencesOfEverySize_writesTheSamePatchesAsAFreshOne() throws Exception {
        Random r = new Random(11);
        RefPatch.Encoder reused = new RefPatch.Encoder();
        for (int k = 0; k < 60; k++) {
            int len = k % 3 == 0 ? 200 + r.nextInt(2_000) : 4_000 + r.nextInt(k % 2 == 0 ? 300_000 : 30_000);
            byte[] ref = new byte[len];
            for (int j = 0; j < len; j++) {
                ref[j] = (byte) ('a' + r.nextInt(r.nextBoolean() ? 3 : 26)); // repetitive: many equal hashes
            }
            byte[] target = ref.clone();
            for (int e = 0; e < 1 + len / 3_000; e++) {
                target[r.nextInt(len)] ^= 0x20;
            }
            byte[] a = new byte[len];
            byte[] b = new byte[len];
            int n = reused.reference(ref, len).encode(target, 0, len, a);
            int m = new RefPatch.Encoder().reference(ref, len).encode(target, 0, len, b);
            assertEquals(m, n, "reference " + k + " of " + len + " bytes");
            assertArrayEquals(Arrays.copyOf(b, Math.max(m, 0)), Arrays.copyOf(a, Math.max(n, 0)));
            if (n >= 0) {
                ByteBuffer out = ByteBuffer.allocate(len);
                RefPatch.apply(ByteBuffer.wrap(a, 0, n), ByteBuffer.wrap(ref), out, len);
                assertArrayEquals(target, out.array());
            }
        }
    }
}
