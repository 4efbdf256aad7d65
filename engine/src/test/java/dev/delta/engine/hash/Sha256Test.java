package dev.delta.engine.hash;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

class Sha256Test {
    /** FIPS 180-2 test vectors. */
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String LONG = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

    @Test
    void knownVectors() {
        assertEquals(ABC, Sha256.hex(Sha256.of("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(EMPTY, Sha256.hex(Sha256.of(new byte[0])));
        byte[] msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII);
        byte[] padded = new byte[msg.length + 6];
        System.arraycopy(msg, 0, padded, 3, msg.length);
        assertEquals(LONG, Sha256.hex(Sha256.of(padded, 3, msg.length)));
    }

    @Test
    void everyDigestStartsFreshAndIsIndependent() {
        MessageDigest a = Sha256.newDigest();
        MessageDigest b = Sha256.newDigest();
        assertNotSame(a, b);
        a.update("ab".getBytes(StandardCharsets.US_ASCII));
        b.update("zzz".getBytes(StandardCharsets.US_ASCII)); // never leaks into a, nor into the next one
        MessageDigest c = Sha256.newDigest();
        a.update((byte) 'c');
        assertEquals(ABC, Sha256.hex(a.digest()));
        assertEquals(EMPTY, Sha256.hex(c.digest()));
        assertEquals(Sha256.hex(Sha256.of("zzz".getBytes(StandardCharsets.US_ASCII))), Sha256.hex(b.digest()));
        // a digest that was used, then reset, is as new
        b.update("abc".getBytes(StandardCharsets.US_ASCII));
        b.reset();
        b.update("abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(ABC, Sha256.hex(b.digest()));
    }

    @Test
    void digestsMadeOnManyThreadsAgree() throws Exception {
        byte[] data = new byte[1 << 16];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >>> 8));
        }
        byte[] want = MessageDigest.getInstance("SHA-256").digest(data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> got = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                got.add(pool.submit(() -> {
                    MessageDigest md = Sha256.newDigest();
                    for (int off = 0; off < data.length; off += 1000) {
                        md.update(data, off, Math.min(1000, data.length - off));
                    }
                    return md.digest();
                }));
            }
            for (Future<byte[]> f : got) {
                assertArrayEquals(want, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
