package dev.delta.engine.chunk;

import java.util.SplittableRandom;

/** Deterministic inputs for property tests: one seed, one input. */
final class TestData {
    private static final String[] WORDS = {
        "the", "delta", "chunk", "manifest", "edge", "origin", "release", "version", "byte", "range",
        "of", "and", "a", "to", "in", "is", "that", "file", "hash", "index", "store", "plan",
    };

    private TestData() {
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Lines of words: low-entropy input, with long runs of repeated material. */
    static byte[] text(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[size];
        int p = 0;
        while (p < size) {
            String w = WORDS[r.nextInt(WORDS.length)];
            for (int i = 0; i < w.length() && p < size; i++) {
                b[p++] = (byte) w.charAt(i);
            }
            if (p < size) {
                b[p++] = (byte) (r.nextInt(12) == 0 ? '\n' : ' ');
            }
        }
        return b;
    }

    /** A random valid parameter set: min from 64 B, avg up to 64 KiB, any nc the masks allow. */
    static ChunkerParams params(SplittableRandom r) {
        int bits = 7 + r.nextInt(10); // avg 128 B .. 64 KiB
        int avg = 1 << bits;
        int nc = r.nextInt(Math.min(3, bits - 5) + 1);
        int min = Math.max(ChunkerParams.MIN_ALLOWED, avg / (2 + r.nextInt(7)) + r.nextInt(2));
        int max = avg * (2 + r.nextInt(4)) + r.nextInt(2) - 1;
        return new ChunkerParams(min, avg, max, nc);
    }
}
