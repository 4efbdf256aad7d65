package dev.delta.node.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Deterministic, seeded "old" and "new" trees for each {@link Scenario}. The same seed and scale
 * always give byte-identical trees. Untouched files and every directory carry a fixed mtime;
 * edited and added files carry a later one, so that rsync's quick check (size and mtime) sees
 * every change, as it would on a real release.
 */
public final class BenchData {
    static final FileTime OLD_TIME = FileTime.fromMillis(1_700_000_000_000L);
    static final FileTime NEW_TIME = FileTime.fromMillis(1_700_086_400_000L);
    private static final byte[][] WORDS = words("the quick brown fox jumps over lazy dog delta chunk manifest edge "
            + "origin release version range byte file tree node hash index plan copy fetch apply verify public static "
            + "final class return if else for while int long void new import package private string list map");
    private static final String[] EXTENSIONS = {".c", ".h", ".java", ".md", ".txt", ".py"};

    private final Random random;
    private final Scale scale;

    /** A generator for {@code scale} with the given seed. */
    public BenchData(long seed, Scale scale) {
        this.random = new Random(seed);
        this.scale = scale;
    }

    /**
     * The two states of a scenario.
     *
     * @param oldTree the receivers' starting state, or null for an empty receiver
     * @param newTree the state they must reach (may be the same directory as {@code oldTree})
     * @param files   regular files in the new tree
     * @param bytes   bytes in the new tree's regular files
     */
    public record Trees(Path oldTree, Path newTree, long files, long bytes) {
    }

    /** Generates the scenario's trees under {@code work} (which must exist). */
    public Trees prepare(Scenario s, Path work) throws IOException, InterruptedException {
        Path old = work.resolve("old");
        Path neu = work.resolve("new");
        switch (s) {
            case SOURCE_TREE:
            case FANOUT_4: {
                List<String> files = sourceTree(old);
                Shell.copyTree(old, neu);
                release(neu, files);
                break;
            }
            case RELEASE_TAR: {
                Path trees = work.resolve("trees");
                List<String> files = sourceTree(trees.resolve("old"));
                Shell.copyTree(trees.resolve("old"), trees.resolve("new"));
                release(trees.resolve("new"), files);
                fixDirectoryTimes(trees.resolve("new"));
                tar(trees.resolve("old"), old.resolve("release.tar"), OLD_TIME);
                tar(trees.resolve("new"), neu.resolve("release.tar"), NEW_TIME);
                // the trees stay until the run ends: deleting 160,000 files here would slow the file
                // creation of the steps that follow (see Leftovers)
                fixDirectoryTimes(old);
                break;
            }
            case RENAME_HEAVY:
                sourceTree(old);
                Shell.copyTree(old, neu);
                moveDirectories(neu);
                break;
            case NO_CHANGE:
                sourceTree(old);
                writeRandom(old.resolve("data/image.bin"), scale.bigFileBytes());
                fixDirectoryTimes(old);
                return summarize(old, old);
            case COLD:
                sourceTree(neu);
                return summarize(null, neu);
            case BIG_FILE_SCATTERED:
                writeRandom(old.resolve("disk.img"), scale.bigFileBytes());
                fixDirectoryTimes(old);
                Shell.copyTree(old, neu);
                scatter(neu.resolve("disk.img"), scale.scatteredEdits());
                break;
            case BIG_FILE_INSERT:
                writeRandom(old.resolve("archive.tar"), scale.bigFileBytes());
                fixDirectoryTimes(old);
                Files.createDirectories(neu);
                insertCopy(old.resolve("archive.tar"), neu.resolve("archive.tar"), 10_000, 1_000);
                break;
            default:
                throw new IllegalStateException(s.toString());
        }
        fixDirectoryTimes(neu);
        return summarize(old, neu);
    }

    /** Writes {@code scale.textFiles()} text-like files in nested directories and one symlink; returns their paths. */
    List<String> sourceTree(Path root) throws IOException {
        List<String> paths = new ArrayList<>(scale.textFiles());
        for (int i = 0; i < scale.textFiles(); i++) {
            String p = "pkg" + i / 400 + "/sub" + (i / 20) % 20 + (i % 3 == 0 ? "/deep" + i % 4 : "") + "/f" + i
                    + EXTENSIONS[i % EXTENSIONS.length];
            Path f = root.resolve(p);
            Files.createDirectories(f.getParent());
            int upTo = random.nextInt(8) == 0 ? 5 * scale.textBytes() : scale.textBytes();
            Files.write(f, text(200 + random.nextInt(upTo)));
            Files.setLastModifiedTime(f, OLD_TIME);
            paths.add(p);
        }
        Files.write(root.resolve("README.md"), text(3_000));
        Files.setLastModifiedTime(root.resolve("README.md"), OLD_TIME);
        Path link = Files.createSymbolicLink(root.resolve("latest"), Path.of(paths.get(0)));
        Files.getFileAttributeView(link, java.nio.file.attribute.BasicFileAttributeView.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(OLD_TIME, null, null);
        fixDirectoryTimes(root);
        return paths;
    }

    /** A release-like update: 2% of files edited inside (inserts and deletes), 0.5% each added, removed, renamed. */
    void release(Path root, List<String> paths) throws IOException {
        List<Integer> order = IntStream.range(1, paths.size()).boxed().collect(ArrayList::new, List::add, List::addAll);
        Collections.shuffle(order, random);
        int edits = Math.max(3, paths.size() / 50);
        int few = Math.max(2, paths.size() / 200);
        int k = 0;
        for (int i = 0; i < edits; i++) {
            Path f = root.resolve(paths.get(order.get(k++)));
            byte[] b = Files.readAllBytes(f);
            int at = random.nextInt(b.length);
            int cut = random.nextInt(3) == 0 ? 0 : Math.min(b.length - at, 20 + random.nextInt(300));
            byte[] ins = random.nextInt(3) == 1 ? new byte[0] : text(50 + random.nextInt(500));
            byte[] out = new byte[b.length - cut + ins.length];
            System.arraycopy(b, 0, out, 0, at);
            System.arraycopy(ins, 0, out, at, ins.length);
            System.arraycopy(b, at + cut, out, at + ins.length, b.length - at - cut);
            Files.write(f, out);
            Files.setLastModifiedTime(f, NEW_TIME);
        }
        for (int i = 0; i < few; i++) {
            Files.delete(root.resolve(paths.get(order.get(k++))));
        }
        for (int i = 0; i < few; i++) {
            Path from = root.resolve(paths.get(order.get(k++)));
            Path to = root.resolve(paths.get(order.get(k++))).resolveSibling("renamed-" + from.getFileName());
            Files.move(from, to);
        }
        for (int i = 0; i < few; i++) {
            Path f = root.resolve(paths.get(order.get(k++))).resolveSibling("added" + i + ".txt");
            Files.write(f, text(200 + random.nextInt(scale.textBytes())));
            Files.setLastModifiedTime(f, NEW_TIME);
        }
    }

    /**
     * Moves directories the way a reorganisation does: of the {@code pkg*}{@code /sub*} directories,
     * every fourth is moved under {@code moved/} with a new name and every fourth (offset one) is
     * renamed in place. File contents and times are unchanged.
     */
    void moveDirectories(Path root) throws IOException {
        List<Path> subs = new ArrayList<>();
        try (var s = Files.list(root)) {
            for (Path pkg : s.filter(p -> p.getFileName().toString().startsWith("pkg")).sorted().toList()) {
                try (var t = Files.list(pkg)) {
                    t.filter(Files::isDirectory).sorted().forEach(subs::add);
                }
            }
        }
        Files.createDirectories(root.resolve("moved"));
        for (int i = 0; i < subs.size(); i++) {
            Path d = subs.get(i);
            if (i % 4 == 0) {
                Files.move(d, root.resolve("moved/" + d.getParent().getFileName() + "-" + d.getFileName()));
            } else if (i % 4 == 1) {
                Files.move(d, d.resolveSibling(d.getFileName() + "-renamed"));
            }
        }
    }

    /**
     * Packs {@code tree} into one tar file the way a release pipeline would: GNU tar, entries in
     * name order, owner and group 0, every file's own mtime; the same tree always gives the same
     * bytes. The tar file gets {@code time} as its mtime.
     */
    static void tar(Path tree, Path out, FileTime time) throws IOException, InterruptedException {
        Files.createDirectories(out.getParent());
        Shell.run(List.of("tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu", "-cf",
                out.toString(), "-C", tree.toString(), "."));
        Files.setLastModifiedTime(out, time);
    }

    /** Overwrites {@code edits} short runs of bytes (1 to 64) spread through the file; its size is unchanged. */
    void scatter(Path f, int edits) throws IOException {
        long size = Files.size(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            for (int i = 0; i < edits; i++) {
                byte[] b = new byte[1 + random.nextInt(64)];
                random.nextBytes(b);
                long at = size / edits * i + (long) (random.nextDouble() * (size / edits - b.length));
                ch.write(ByteBuffer.wrap(b), at);
            }
        }
        Files.setLastModifiedTime(f, NEW_TIME);
    }

    /** Copies {@code from} to {@code to} with {@code n} random bytes inserted at offset {@code at}. */
    void insertCopy(Path from, Path to, int at, int n) throws IOException {
        byte[] ins = new byte[n];
        random.nextBytes(ins);
        try (var in = Files.newInputStream(from); OutputStream out = Files.newOutputStream(to)) {
            out.write(in.readNBytes(at));
            out.write(ins);
            in.transferTo(out);
        }
        Files.setLastModifiedTime(to, NEW_TIME);
    }

    private void writeRandom(Path f, long n) throws IOException {
        Files.createDirectories(f.getParent());
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long done = 0; done < n; done += buf.length) {
                random.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, n - done));
            }
        }
        Files.setLastModifiedTime(f, OLD_TIME);
    }

    private byte[] text(int approxBytes) {
        byte[] out = new byte[approxBytes + 200];
        int n = 0;
        while (n < approxBytes) {
            int indent = random.nextInt(4) * 4;
            for (int i = 0; i < indent; i++) {
                out[n++] = ' ';
            }
            int words = 3 + random.nextInt(10);
            for (int w = 0; w < words; w++) {
                byte[] word = WORDS[random.nextInt(WORDS.length)];
                System.arraycopy(word, 0, out, n, word.length);
                n += word.length;
                out[n++] = (byte) (w + 1 < words ? ' ' : ';');
            }
            out[n++] = '\n';
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Sets every directory's mtime to the fixed old time, so that directory metadata is deterministic. */
    static void fixDirectoryTimes(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                Files.setLastModifiedTime(p, OLD_TIME);
            }
        }
    }

    private static Trees summarize(Path old, Path neu) throws IOException {
        long[] fb = new long[2];
        try (var s = Files.walk(neu)) {
            s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).forEach(p -> {
                fb[0]++;
                fb[1] += p.toFile().length();
            });
        }
        return new Trees(old, neu, fb[0], fb[1]);
    }

    private static byte[][] words(String s) {
        String[] w = s.split(" ");
        byte[][] out = new byte[w.length][];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
