package dev.delta.benchmarks;

import java.util.SplittableRandom;

/** Deterministic benchmark inputs, built once in {@code @Setup}. */
public final class BenchmarkData {
    /** 64 MiB: far larger than the caches, so every benchmark streams from memory. */
    static final int SIZE = 64 << 20;

    private static final String[] WORDS = {
        "the", "of", "and", "a", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on",
        "delta", "chunk", "manifest", "release", "version", "edge", "origin", "network", "byte",
        "content", "defined", "boundary", "rolling", "hash", "average", "distribution", "replica",
    };

    private BenchmarkData() {
    }

    /** {@code kind} is {@code random} (incompressible bytes) or {@code text} (words and lines). */
    static byte[] of(String kind, int size, long seed) {
        switch (kind) {
            case "random":
                return random(size, seed);
            case "text":
                return text(size, seed);
            default:
                throw new IllegalArgumentException("unknown data kind '" + kind + "', expected random or text");
        }
    }

    public static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Lines of 4 to 15 words from a small vocabulary, like logs or prose. */
    public static byte[] text(int size, long seed) {
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
