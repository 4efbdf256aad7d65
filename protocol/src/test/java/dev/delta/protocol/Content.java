package dev.delta.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic test content: incompressible random bytes, or text made of words and lines. */
public final class Content {
    private static final String[] WORDS = ("delta chunk manifest edge origin version range frame credit window "
            + "lz4 netty release publish subscribe announce rollback index staging verify digest the a of to and "
            + "in is for on with as by at from").split(" ");

    private Content() {
    }

    /** {@code n} random bytes. */
    public static ByteBuffer random(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i + 8 <= n; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return ByteBuffer.wrap(b);
    }

    /** {@code n} bytes of text: random words, spaces, numbers and newlines. */
    public static ByteBuffer text(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        int i = 0;
        while (i < n) {
            String w = r.nextInt(12) == 0 ? Integer.toString(r.nextInt(100000)) : WORDS[r.nextInt(WORDS.length)];
            byte[] wb = w.getBytes(StandardCharsets.US_ASCII);
            for (int k = 0; k < wb.length && i < n; k++) {
                b[i++] = wb[k];
            }
            if (i < n) {
                b[i++] = (byte) (r.nextInt(10) == 0 ? '\n' : ' ');
            }
        }
        return ByteBuffer.wrap(b);
    }
}
