package dev.delta.benchmarks.tree;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Writes a deterministic, seeded source-like tree for build-time measurements: many text files
 * of skewed sizes in nested directories, plus a few larger binary files.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.delta.benchmarks.tree.GenerateTree DIR [FILES] [TOTAL_MIB] [SEED]
 * </pre>
 * Defaults: 80,000 files, 1,024 MiB, seed 1. DIR must not exist.
 */
public final class GenerateTree {
    private static final String[] WORDS = ("int long return class public private static final void if else for while "
            + "new this null true false import package string list map value key node edge chunk byte range file "
            + "version release manifest delta origin hash index plan").split(" ");

    private GenerateTree() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args[0].startsWith("-")) {
            System.err.println("usage: GenerateTree DIR [FILES=80000] [TOTAL_MIB=1024] [SEED=1]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 80_000;
        long total = (args.length > 2 ? Long.parseLong(args[2]) : 1024) << 20;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        if (Files.exists(root)) {
            System.err.println("refusing to write into existing " + root);
            System.exit(2);
        }
        long t0 = System.nanoTime();
        long written = generate(root, files, total, seed);
        System.err.printf("wrote %,d files, %,d bytes in %.1f s%n", files, written, (System.nanoTime() - t0) / 1e9);
    }

    /** Generates the tree; returns bytes written. */
    public static long generate(Path root, int files, long totalBytes, long seed) throws IOException {
        Random r = new Random(seed);
        SplittableRandom fast = new SplittableRandom(seed);
        // 4 large binaries take 20% of the bytes; text files share the rest with a skewed size distribution.
        long binaries = totalBytes / 5;
        long textBudget = totalBytes - binaries;
        int textFiles = files - 4;
        double meanText = (double) textBudget / textFiles;
        byte[][] words = new byte[WORDS.length][];
        for (int w = 0; w < WORDS.length; w++) {
            words[w] = WORDS[w].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        byte[] text = new byte[4_000_100];
        long written = 0;
        for (int i = 0; i < textFiles; i++) {
            // ~10 files a directory, three levels deep, like a source tree
            Path f = root.resolve(String.format("p%02d/m%03d/f%06d.src", i % 20, (i / 20) % 400, i));
            Files.createDirectories(f.getParent());
            // exponential sizes: many small files, a few large ones, mean = meanText
            int size = (int) Math.min(4_000_000, Math.max(16, -Math.log(1 - r.nextDouble()) * meanText));
            fillText(fast, words, text, size);
            try (OutputStream out = Files.newOutputStream(f)) {
                out.write(text, 0, size);
            }
            written += size;
        }
        byte[] buf = new byte[1 << 20];
        for (int b = 0; b < 4; b++) {
            Path f = root.resolve("blobs/blob" + b + ".bin");
            Files.createDirectories(f.getParent());
            try (OutputStream out = Files.newOutputStream(f)) {
                for (long done = 0; done < binaries / 4; done += buf.length) {
                    for (int k = 0; k < buf.length; k += 8) {
                        long v = fast.nextLong();
                        for (int j = 0; j < 8; j++) {
                            buf[k + j] = (byte) (v >>> (8 * j));
                        }
                    }
                    int n = (int) Math.min(buf.length, binaries / 4 - done);
                    out.write(buf, 0, n);
                    written += n;
                }
            }
        }
        return written;
    }

    /** Fills {@code size} bytes with unique text-like lines (words, indentation, newlines). */
    private static void fillText(SplittableRandom r, byte[][] words, byte[] out, int size) {
        int pos = 0;
        while (pos < size) {
            int indent = r.nextInt(4) * 4;
            for (int k = 0; k < indent && pos < out.length; k++) {
                out[pos++] = ' ';
            }
            int n = 2 + r.nextInt(9);
            for (int w = 0; w < n && pos + 12 < out.length; w++) {
                byte[] word = words[r.nextInt(words.length)];
                System.arraycopy(word, 0, out, pos, word.length);
                pos += word.length;
                out[pos++] = (byte) (w + 1 < n ? ' ' : ';');
            }
            if (pos < out.length) {
                out[pos++] = '\n';
            }
            if (pos + 64 >= out.length) {
                break;
            }
        }
    }
}
