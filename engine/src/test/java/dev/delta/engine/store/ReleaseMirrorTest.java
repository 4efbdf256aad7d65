package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ManifestDiff;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReleaseMirrorTest {
    private static final ChunkerParams SMALL = new ChunkerParams(256, 1024, 4096, 2);
    private static final FileTime T0 = FileTime.fromMillis(1_700_000_000_000L);

    @TempDir
    Path tmp;
    private Path src;
    private DatasetStore store;

    @BeforeEach
    void linuxOnly() throws IOException {
        // the mirror is trusted only within one boot, so it exists only where the boot id can be read
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/sys/kernel/random/boot_id")));
        src = tmp.resolve("src");
        Random r = new Random(11);
        for (int d = 0; d < 6; d++) {
            for (int f = 0; f < 8; f++) {
                byte[] b = new byte[500 + r.nextInt(9000)];
                r.nextBytes(b);
                Path p = src.resolve("d" + d + "/sub/f" + f + ".bin");
                Files.createDirectories(p.getParent());
                Files.write(p, b);
            }
        }
        Files.createDirectories(src.resolve("gone/deeper"));
        Files.writeString(src.resolve("gone/deeper/x.txt"), "x".repeat(3000));
        Files.writeString(src.resolve("typechange"), "a file that becomes a directory");
        Files.createDirectories(src.resolve("locked"));
        Files.writeString(src.resolve("locked/in.txt"), "inside a read-only directory");
        Files.createSymbolicLink(src.resolve("link"), Path.of("d0/sub/f0.bin"));
        Files.createDirectories(src.resolve("empty"));
        Files.setPosixFilePermissions(src.resolve("locked"), PosixFilePermissions.fromString("r-xr-xr-x"));
        age(src);
        store = DatasetStore.open(tmp.resolve("data"), "site");
    }

    private static void age(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).setTimes(T0, null, null);
            }
        }
    }

    private static Manifest scan(Path dir, long version) throws IOException {
        return Builds.scan(dir, version, SMALL);
    }

    private void sync(Manifest m) throws IOException {
        Builds.build(store, m, src);
    }

    private boolean mirror(java.util.function.BooleanSupplier abort) throws IOException {
        try (DatasetStore.Lock l = store.lock()) {
            long v = store.current().getAsLong();
            return ReleaseMirror.prepare(store, store.manifest(v), store.rootDigest(v), abort);
        }
    }

    private static void assertTreeMatches(Manifest m, Path dir) throws IOException {
        ManifestDiff d = ManifestDiff.between(m, scan(dir.toRealPath(), m.version()));
        assertFalse(d.hasDifferences(), "differences: " + d.changes());
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }

    private static long count(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void nextBuild_fromTheMirror_isExactlyTheNewRelease_andNeverWritesIntoTheOldOne() throws IOException {
        Manifest v1 = scan(src, 1);
        sync(v1);
        assertTrue(mirror(() -> false));
        assertTrue(mirror(() -> false), "a ready mirror is kept as it is");
        Path mirrors = ReleaseMirror.root(store);
        assertEquals(2, count(mirrors), "the mirror and its marker");

        // a release: content edits (in place, append), a deletion, a directory tree removed, a file
        // turned into a directory, a rename, a mode change, a new file in the read-only directory,
        // a symlink retargeted, a new empty directory
        Files.write(src.resolve("d1/sub/f3.bin"), new byte[]{1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        try (FileChannel ch = FileChannel.open(src.resolve("d2/sub/f0.bin"), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("edited in place".getBytes()), 100);
        }
        Files.delete(src.resolve("d3/sub/f7.bin"));
        Files.delete(src.resolve("gone/deeper/x.txt"));
        Files.delete(src.resolve("gone/deeper"));
        Files.delete(src.resolve("gone"));
        Files.delete(src.resolve("typechange"));
        Files.createDirectories(src.resolve("typechange"));
        Files.writeString(src.resolve("typechange/now.txt"), "inside");
        Files.move(src.resolve("d4/sub/f1.bin"), src.resolve("d5/renamed.bin"));
        Files.setPosixFilePermissions(src.resolve("d0/sub/f2.bin"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(src.resolve("locked"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(src.resolve("locked/new.txt"), "new");
        Files.setPosixFilePermissions(src.resolve("locked"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.delete(src.resolve("link"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("d5/renamed.bin"));
        Files.createDirectories(src.resolve("fresh/empty"));
        Files.setLastModifiedTime(src.resolve("d1/sub"), FileTime.fromMillis(1_700_000_500_000L));
        Manifest v2 = scan(src, 2);
        Path v1Dir = store.releaseDir(1);
        Object oldEdited = inode(v1Dir.resolve("d1/sub/f3.bin"));

        sync(v2);

        assertEquals(0, count(mirrors), "the mirror became the staging directory");
        assertTreeMatches(v2, store.currentLink());
        assertTreeMatches(v1, v1Dir); // nothing was written through a shared inode
        Path v2Dir = store.releaseDir(2);
        assertEquals(inode(v1Dir.resolve("d0/sub/f5.bin")), inode(v2Dir.resolve("d0/sub/f5.bin")), "unchanged: linked");
        assertNotEquals(oldEdited, inode(v2Dir.resolve("d1/sub/f3.bin")), "edited: a file of its own");
        assertNotEquals(inode(v1Dir.resolve("d0/sub/f2.bin")), inode(v2Dir.resolve("d0/sub/f2.bin")),
                "new mode: a copy, so v1 keeps its mode");
    }

    /** Hundreds of changed files: the mirror's removals and rebuilds go on several threads. */
    @Test
    void manyChangedFiles_fromTheMirror_buildExactlyTheNewRelease_onSeveralThreads() throws IOException {
        Random r = new Random(12);
        for (int d = 0; d < 10; d++) {
            for (int f = 0; f < 60; f++) {
                byte[] b = new byte[200 + r.nextInt(3000)];
                r.nextBytes(b);
                Path p = src.resolve("many/m" + d + "/f" + f + ".bin");
                Files.createDirectories(p.getParent());
                Files.write(p, b);
            }
        }
        age(src);
        Manifest v1 = scan(src, 1);
        sync(v1);
        assertTrue(mirror(() -> false));
        int edited = 0;
        for (int d = 0; d < 10; d++) {
            for (int f = 0; f < 60; f++) {
                Path p = src.resolve("many/m" + d + "/f" + f + ".bin");
                switch ((d * 60 + f) % 4) {
                    case 0 -> { // edited: the mirror's link replaced by a file of its own
                        try (FileChannel ch = FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
                            ch.write(ByteBuffer.wrap(("edit " + f).getBytes()), 50);
                        }
                        edited++;
                    }
                    case 1 -> Files.delete(p);
                    case 2 -> Files.write(p.resolveSibling("new" + f + ".bin"), new byte[]{(byte) d, (byte) f});
                    default -> { }
                }
            }
        }
        for (int f = 0; f < 60; f++) { // a whole directory goes
            Files.deleteIfExists(src.resolve("many/m9/f" + f + ".bin"));
            Files.deleteIfExists(src.resolve("many/m9/new" + f + ".bin"));
        }
        Files.delete(src.resolve("many/m9"));
        age(src);
        Manifest v2 = scan(src, 2);
        Path v1Dir = store.releaseDir(1);
        Object unchanged = inode(v1Dir.resolve("many/m0/f3.bin"));

        sync(v2);

        assertTrue(edited > 128, "enough files for more than one thread: " + edited);
        assertTreeMatches(v2, store.currentLink());
        assertTreeMatches(v1, v1Dir); // nothing was written through a shared inode
        assertEquals(unchanged, inode(store.releaseDir(2).resolve("many/m0/f3.bin")), "unchanged: linked");
        assertNotEquals(inode(v1Dir.resolve("many/m0/f0.bin")), inode(store.releaseDir(2).resolve("many/m0/f0.bin")));
    }

    @Test
    void abortedMirror_leavesNoMarker_isNotUsed_andIsRedoneNextTime() throws IOException {
        Manifest v1 = scan(src, 1);
        sync(v1);
        AtomicInteger checks = new AtomicInteger();
        assertFalse(mirror(() -> checks.incrementAndGet() > 1), "stopped after the first check");
        Path mirrors = ReleaseMirror.root(store);
        try (var s = Files.list(mirrors)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".ready")), "no marker for a partial mirror");
        }
        Files.writeString(src.resolve("d0/sub/new.txt"), "added");
        Manifest v2 = scan(src, 2);
        sync(v2); // the partial mirror is not taken: a fresh build
        assertTreeMatches(v2, store.currentLink());

        assertTrue(mirror(() -> false));
        assertEquals(2, count(mirrors), "the partial mirror of v1 is gone; v2's is ready");
    }

    @Test
    void mirrorOfAnotherRelease_isNotTaken() throws IOException {
        Manifest v1 = scan(src, 1);
        sync(v1);
        Files.writeString(src.resolve("d0/sub/new.txt"), "added");
        Manifest v2 = scan(src, 2);
        sync(v2);
        assertTrue(mirror(() -> false)); // of v2
        store.switchTo(1); // a rollback: the mirror is of v2, not of current
        Files.writeString(src.resolve("d1/sub/new.txt"), "added too");
        Manifest v3 = scan(src, 3);
        sync(v3);
        assertTreeMatches(v3, store.currentLink());
        assertEquals(2, count(ReleaseMirror.root(store)), "v2's mirror untouched (removed by the next prepare)");
        assertNull(ReleaseMirror.take(store, 1, store.rootDigest(1)));
    }
}
