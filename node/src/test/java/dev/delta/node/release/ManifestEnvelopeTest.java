package dev.delta.node.release;

import dev.delta.engine.manifest.ManifestFormatException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestEnvelopeTest {
    /** Like a manifest: repeated directory prefixes between incompressible digests. */
    private static byte[] manifestLike(int entries) {
        Random r = new Random(1);
        ByteBuffer b = ByteBuffer.allocate(entries * 80);
        for (int i = 0; i < entries; i++) {
            b.put(("pkg" + i / 400 + "/sub" + i / 20 % 20 + "/f" + i + ".java").getBytes(StandardCharsets.US_ASCII));
            byte[] digest = new byte[32];
            r.nextBytes(digest);
            b.put(digest);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void compressibleBody_travelsCompressed_andComesBackExactly() throws Exception {
        byte[] body = manifestLike(2000);
        byte[] payload = new ManifestEnvelope(null, body).encode();
        assertEquals(ManifestEnvelope.MAGIC_COMPRESSED, ByteBuffer.wrap(payload).getInt());
        assertTrue(payload.length < body.length * 0.85, payload.length + " of " + body.length);
        ManifestEnvelope back = ManifestEnvelope.decode(payload);
        assertNull(back.signature());
        assertArrayEquals(body, back.body());
        // and the plain form still decodes
        assertArrayEquals(body, ManifestEnvelope.decode(new ManifestEnvelope(null, body).encode(false)).body());
    }

    @Test
    void smallOrIncompressibleBody_staysPlain() throws Exception {
        byte[] small = "tiny".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ManifestEnvelope.MAGIC, ByteBuffer.wrap(new ManifestEnvelope(null, small).encode()).getInt());
        byte[] random = new byte[10_000];
        new Random(2).nextBytes(random);
        byte[] p = new ManifestEnvelope(null, random).encode();
        assertEquals(ManifestEnvelope.MAGIC, ByteBuffer.wrap(p).getInt());
        assertArrayEquals(random, ManifestEnvelope.decode(p).body());
    }

    @Test
    void corruptOrHostileCompressedBodies_areFormatErrors() {
        byte[] body = manifestLike(500);
        byte[] payload = new ManifestEnvelope(null, body).encode();
        // a declared length far beyond what the block can expand to
        byte[] huge = payload.clone();
        ByteBuffer.wrap(huge).putInt(6, 0x7fffffff);
        ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> ManifestEnvelope.decode(huge));
        assertTrue(e.getMessage().contains("declares a body of"), e.getMessage());
        // a wrong declared length
        byte[] off = payload.clone();
        ByteBuffer.wrap(off).putInt(6, body.length + 1);
        assertThrows(ManifestFormatException.class, () -> ManifestEnvelope.decode(off));
        // every truncation and many flipped bytes: a format error or (rarely) other bytes, never another exception
        for (int cut = 0; cut < payload.length; cut += 7) {
            byte[] t = Arrays.copyOf(payload, cut);
            assertThrows(ManifestFormatException.class, () -> ManifestEnvelope.decode(t));
        }
        Random r = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] bad = payload.clone();
            bad[6 + r.nextInt(bad.length - 6)] ^= (byte) (1 + r.nextInt(255));
            try {
                ManifestEnvelope.decode(bad);
            } catch (ManifestFormatException expected) {
                // fine
            }
        }
    }
}
