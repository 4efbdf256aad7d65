package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkerParams;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Random;

/** Builds real trees on disk for scanner tests. */
final class ScanFixtures {
    /** A fixed, comfortably old mtime, so cache entries are never "racy". */
    static final Instant OLD = Instant.parse("2021-03-04T05:06:07.123456789Z");
    static final long CREATED = 1_700_000_000_000L;
    /** Small chunks so that modest files have many of them. */
    static final ChunkerParams SMALL = new ChunkerParams(256, 1024, 4096, 2);

    private ScanFixtures() {
    }

    static Path write(Path root, String rel, byte[] content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        Files.setLastModifiedTime(p, FileTime.from(OLD));
        return p;
    }

    static Path write(Path root, String rel, String content) throws IOException {
        return write(root, rel, content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Sets the mtime of every path under {@code root} (not following links) to {@link #OLD}. */
    static void ageAll(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(OLD));
                }
            }
        }
    }

    /** A seeded tree of {@code files} files of varied sizes (0 B to ~200 KiB) in nested directories. */
    static void randomTree(Path root, long seed, int files) throws IOException {
        Random rnd = new Random(seed);
        for (int i = 0; i < files; i++) {
            String dir = "d" + rnd.nextInt(8) + (rnd.nextBoolean() ? "/s" + rnd.nextInt(4) : "");
            int size = rnd.nextInt(10) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(3000);
            write(root, dir + "/f" + i + ".bin", random(seed * 1000 + i, size));
        }
        Files.createDirectories(root.resolve("empty/nested"));
        ageAll(root);
    }

    static ScanOptions.Builder options() {
        return ScanOptions.builder("test").version(1).createdMillis(CREATED).chunker(SMALL).threads(2);
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
