package dev.delta.benchmarks.protocol;

import java.util.SplittableRandom;

/** Deterministic payloads: incompressible bytes, and text made of words and lines. */
final class Payloads {
    private static final String[] WORDS = {
        "the", "of", "and", "a", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on",
        "delta", "chunk", "manifest", "release", "version", "edge", "origin", "network", "byte",
        "content", "defined", "boundary", "rolling", "hash", "average", "distribution", "replica",
    };

    private Payloads() {
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Lines of 4 to 15 words from a small vocabulary, like logs or prose. */
    static byte[] text(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[size];
        int p = 0;
        while (p < size) {
            int words = 4 + r.nextInt(12);
            for (int w = 0; w < words && p < size; w++) {
                String s = WORDS[r.nextInt(WORDS.length)];
                for (int i = 0; i < s.length() && p < size; i++) {
                    b[p++] = (byte) s.charAt(i);
                }
                if (p < size) {
                    b[p++] = (byte) (w == words - 1 ? '\n' : ' ');
                }
            }
        }
        return b;
    }
}
