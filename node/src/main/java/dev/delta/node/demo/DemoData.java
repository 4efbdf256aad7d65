package dev.delta.node.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic, seeded datasets for the demo: source-like text files in nested directories, a
 * few binary blobs, an empty directory and a symlink; and a release-like edit of such a tree.
 */
public final class DemoData {
    private static final String[] WORDS = ("the quick brown fox jumps over lazy dog delta chunk manifest edge origin "
            + "release version range byte file tree node hash index plan copy fetch apply verify public static final "
            + "class return if else for while int long void new import package private string list map").split(" ");
    private static final FileTime FIXED_TIME = FileTime.fromMillis(1_700_000_000_000L);

    private final Random random;

    public DemoData(long seed) {
        this.random = new Random(seed);
    }

    /** What a generated tree holds. */
    public record Summary(int files, long bytes) {
    }

    /** Writes the initial tree under {@code root} (which must exist). */
    public Summary generate(Path root, int textFiles, int blobMiB) throws IOException {
        int files = 0;
        long bytes = 0;
        for (int i = 0; i < textFiles; i++) {
            Path f = root.resolve("src/module" + (i % 7) + "/pkg" + (i % 3) + "/File" + i + ".java");
            Files.createDirectories(f.getParent());
            byte[] b = text(2_000 + random.nextInt(30_000));
            Files.write(f, b);
            bytes += b.length;
            files++;
        }
        Files.createDirectories(root.resolve("assets"));
        for (int i = 0; i < 3; i++) {
            Path f = root.resolve("assets/blob" + i + ".bin");
            long n = (long) blobMiB << 20;
            writeRandom(f, n);
            bytes += n;
            files++;
        }
        Files.createDirectories(root.resolve("var/empty"));
        Files.write(root.resolve("README.txt"), text(4_000));
        Files.createSymbolicLink(root.resolve("latest"), root.relativize(root.resolve("assets/blob0.bin")));
        Files.setPosixFilePermissions(root.resolve("README.txt"), PosixFilePermissions.fromString("rw-r-----"));
        setTimes(root);
        return new Summary(files + 1, bytes + Files.size(root.resolve("README.txt")));
    }

    /**
     * Edits the tree like a point release: text edits inside a few files, 100 bytes inserted
     * near the start of a blob, a renamed directory, deleted and added files, a mode change.
     *
     * @return one line per edit, for the demo's narration
     */
    public List<String> release(Path root) throws IOException {
        List<String> did = new ArrayList<>();
        List<Path> sources;
        try (var s = Files.walk(root.resolve("src"))) {
            sources = s.filter(Files::isRegularFile).sorted().toList();
        }
        int edits = Math.max(3, sources.size() / 50);
        for (int i = 0; i < edits; i++) {
            Path f = sources.get(random.nextInt(sources.size()));
            byte[] old = Files.readAllBytes(f);
            int at = random.nextInt(old.length);
            byte[] ins = text(200 + random.nextInt(800));
            byte[] neu = new byte[old.length + ins.length];
            System.arraycopy(old, 0, neu, 0, at);
            System.arraycopy(ins, 0, neu, at, ins.length);
            System.arraycopy(old, at, neu, at + ins.length, old.length - at);
            Files.write(f, neu);
        }
        did.add("edited " + edits + " source files (text inserted inside them)");
        insert(root.resolve("assets/blob1.bin"), 4096, 100);
        did.add("inserted 100 bytes at offset 4096 of assets/blob1.bin (shifts everything after it)");
        Files.move(root.resolve("src/module3"), root.resolve("src/module3-renamed"));
        did.add("renamed directory src/module3 -> src/module3-renamed");
        Files.delete(root.resolve("src/module0/pkg0/File0.java"));
        Files.delete(root.resolve("assets/blob2.bin"));
        did.add("deleted src/module0/pkg0/File0.java and assets/blob2.bin");
        Files.createDirectories(root.resolve("src/module9"));
        for (int i = 0; i < 5; i++) {
            Files.write(root.resolve("src/module9/New" + i + ".java"), text(3_000 + random.nextInt(5_000)));
        }
        did.add("added 5 files in src/module9");
        Files.setPosixFilePermissions(root.resolve("README.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        did.add("changed the mode of README.txt");
        return did;
    }

    private void insert(Path f, long at, int n) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        byte[] ins = new byte[n];
        random.nextBytes(ins);
        try (var in = Files.newInputStream(f); OutputStream out = Files.newOutputStream(tmp)) {
            out.write(in.readNBytes((int) at));
            out.write(ins);
            in.transferTo(out);
        }
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void writeRandom(Path f, long n) throws IOException {
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long done = 0; done < n; done += buf.length) {
                random.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, n - done));
            }
        }
    }

    private byte[] text(int approxBytes) {
        StringBuilder sb = new StringBuilder(approxBytes + 64);
        while (sb.length() < approxBytes) {
            int words = 3 + random.nextInt(10);
            sb.append("    ".repeat(random.nextInt(4)));
            for (int w = 0; w < words; w++) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(w + 1 < words ? ' ' : ';');
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void setTimes(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FIXED_TIME);
                }
            }
        }
    }
}
