package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.FileChunker;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.EntryType;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.delta.engine.scan.ScanFixtures.OLD;
import static dev.delta.engine.scan.ScanFixtures.options;
import static dev.delta.engine.scan.ScanFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScannerTest {
    @TempDir
    Path root;

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static List<String> paths(Manifest m) {
        return m.entries().stream().map(Entry::path).collect(Collectors.toList());
    }

    @Test
    void scan_recordsFilesDirsSymlinksModesAndMtimes() throws IOException {
        byte[] big = ScanFixtures.random(7, 50_000);
        write(root, "a.txt", "hello");
        write(root, "dir/big.bin", big);
        write(root, "dir/sub/empty.dat", new byte[0]);
        Files.createDirectories(root.resolve("emptydir"));
        Files.createSymbolicLink(root.resolve("link-to-file"), Path.of("a.txt"));
        Files.createSymbolicLink(root.resolve("link-to-dir"), Path.of("dir"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("no/such/target"));
        Files.setPosixFilePermissions(root.resolve("a.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(root.resolve("dir/big.bin"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("emptydir"), PosixFilePermissions.fromString("rwx------"));
        Instant dirTime = Instant.parse("2019-01-02T03:04:05.000000007Z");
        Files.setLastModifiedTime(root.resolve("emptydir"), FileTime.from(dirTime));

        ScanResult r = new Scanner(options().build()).scan(root);
        Manifest m = r.manifest();

        assertEquals(List.of("a.txt", "dangling", "dir", "dir/big.bin", "dir/sub", "dir/sub/empty.dat", "emptydir",
                "link-to-dir", "link-to-file"), paths(m));
        assertTrue(r.problems().isEmpty(), r.problems().toString());

        Entry a = m.get("a.txt");
        assertEquals(EntryType.FILE, a.type());
        assertEquals(0640, a.mode());
        assertEquals(5, a.size());
        assertEquals(nanos(OLD), a.mtimeNanos());
        assertArrayEquals(Sha256.of("hello".getBytes()), a.sha256());

        Entry b = m.get("dir/big.bin");
        assertEquals(0755, b.mode());
        assertArrayEquals(Sha256.of(big), b.sha256());
        ChunkedFile expected = new FileChunker(ScanFixtures.SMALL).chunk(root.resolve("dir/big.bin"));
        assertEquals(expected.chunks(), b.chunks());
        assertTrue(b.chunks().size() > 10, "50 KB with 1 KiB average chunks");

        Entry empty = m.get("dir/sub/empty.dat");
        assertEquals(0, empty.size());
        assertEquals(0, empty.chunks().size());

        Entry ed = m.get("emptydir");
        assertEquals(EntryType.DIR, ed.type());
        assertEquals(0700, ed.mode());
        assertEquals(nanos(dirTime), ed.mtimeNanos());

        assertEquals("a.txt", m.get("link-to-file").target());
        assertEquals("dir", m.get("link-to-dir").target());
        assertEquals("no/such/target", m.get("dangling").target());
        assertEquals(EntryType.SYMLINK, m.get("dangling").type());

        ScanStats s = r.stats();
        assertEquals(3, s.files());
        assertEquals(3, s.dirs());
        assertEquals(3, s.symlinks());
        assertEquals(50_005, s.bytes());
        assertEquals(50_005, s.bytesRead());
        assertEquals(0, s.cacheHits());
        assertEquals(3, s.cacheMisses());
        assertEquals("test", m.dataset());
        assertEquals(ScanFixtures.CREATED, m.createdMillis());
        assertEquals(ScanFixtures.SMALL, m.chunker());
    }

    @Test
    void scan_doesNotFollowSymlinkedDirectories() throws IOException {
        Path outside = Files.createDirectories(root.resolve("../outside-" + System.nanoTime()).normalize());
        try {
            write(outside, "secret.txt", "not part of the tree");
            Files.createDirectories(root.resolve("tree"));
            write(root, "tree/in.txt", "in");
            Files.createSymbolicLink(root.resolve("tree/out"), outside);
            Files.createSymbolicLink(root.resolve("tree/loop"), Path.of(".."));

            Manifest m = new Scanner(options().build()).scan(root.resolve("tree")).manifest();

            assertEquals(List.of("in.txt", "loop", "out"), paths(m));
            assertTrue(m.get("out").isSymlink());
            assertEquals(outside.toString(), m.get("out").target());
        } finally {
            Files.delete(outside.resolve("secret.txt"));
            Files.delete(outside);
        }
    }

    @Test
    void scan_appliesIgnoreFileAndExtras() throws IOException {
        write(root, IgnoreRules.FILE_NAME, "*.tmp\n!keep.tmp\ncache/\nlogs/**\n!logs/important.log\n");
        write(root, "a.tmp", "x");
        write(root, "keep.tmp", "x");
        write(root, "src/b.tmp", "x");
        write(root, "src/main.c", "int main;");
        write(root, "cache/blob", "x");
        write(root, "src/cache/blob", "x");
        write(root, "logs/x.log", "x");
        write(root, "logs/important.log", "x");
        write(root, "build/out.o", "x");
        write(root, "src/build/keep.c", "x");

        ScanResult r = new Scanner(options().excludes(List.of("/build", "*.c", "!main.c")).build()).scan(root);

        assertEquals(List.of(".deltaignore", "keep.tmp", "logs", "logs/important.log", "src", "src/build",
                "src/main.c"), paths(r.manifest()));
        // a.tmp, src/b.tmp, cache/, src/cache/, logs/x.log, build/, src/build/keep.c
        assertEquals(7, r.stats().ignored());
    }

    @Test
    void scan_ignoreFileNotReadWhenDisabled() throws IOException {
        write(root, IgnoreRules.FILE_NAME, "*.tmp\n");
        write(root, "a.tmp", "x");
        Manifest m = new Scanner(options().useIgnoreFile(false).build()).scan(root).manifest();
        assertEquals(List.of(".deltaignore", "a.tmp"), paths(m));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void scan_sameManifestForAnyThreadCount(long seed) throws IOException {
        ScanFixtures.randomTree(root, seed, 150);
        Manifest one = new Scanner(options().threads(1).build()).scan(root).manifest();
        Manifest two = new Scanner(options().threads(2).build()).scan(root).manifest();
        Manifest four = new Scanner(options().threads(4).build()).scan(root).manifest();
        assertEquals(one, two);
        assertEquals(one, four);
        assertEquals(150, one.fileCount());
    }

    @Test
    void scan_reportsFifoAsUnsupportedAndSkipsIt() throws Exception {
        write(root, "ok.txt", "ok");
        Process p = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo failed");

        ScanResult r = new Scanner(options().build()).scan(root);

        assertEquals(List.of("ok.txt"), paths(r.manifest()));
        assertEquals(1, r.problems().size());
        assertEquals("pipe", r.problems().get(0).path());
        assertEquals(ScanProblem.Kind.UNSUPPORTED_TYPE, r.problems().get(0).kind());
        assertFalse(r.isComplete());
    }

    /**
     * Tests run as root, which reads a chmod 000 file anyway; so the scanner's file opener is
     * replaced by one that refuses one file with the exception the JDK throws for EACCES.
     */
    @Test
    void scan_reportsUnreadableFileAndGoesOn() throws IOException {
        write(root, "a.txt", "a");
        write(root, "secret.txt", "s");
        write(root, "z.txt", "z");
        Scanner scanner = new Scanner(options().build());
        scanner.opener = f -> {
            if (f.getFileName().toString().equals("secret.txt")) {
                throw new AccessDeniedException(f.toString());
            }
            return FileChannel.open(f, StandardOpenOption.READ);
        };

        ScanResult r = scanner.scan(root);

        assertEquals(List.of("a.txt", "z.txt"), paths(r.manifest()));
        assertEquals(List.of(new ScanProblem("secret.txt", ScanProblem.Kind.UNREADABLE, "cannot read: permission denied")),
                r.problems());
        assertEquals(2, r.stats().files());
    }

    /** A file deleted between the walk and its read is reported as vanished (a real ENOENT). */
    @Test
    void scan_reportsFileThatVanishes() throws IOException {
        write(root, "a.txt", "a");
        write(root, "gone.txt", "g");
        Scanner scanner = new Scanner(options().build());
        scanner.opener = f -> {
            if (f.getFileName().toString().equals("gone.txt")) {
                Files.delete(f);
            }
            return FileChannel.open(f, StandardOpenOption.READ);
        };

        ScanResult r = scanner.scan(root);

        assertEquals(List.of("a.txt"), paths(r.manifest()));
        assertEquals(ScanProblem.Kind.VANISHED, r.problems().get(0).kind());
        assertEquals("gone.txt", r.problems().get(0).path());
    }

    /** A file rewritten while it is read is read again and the manifest has its final content. */
    @Test
    void scan_rereadsFileChangedDuringRead() throws IOException {
        write(root, "f.txt", "first version");
        Scanner scanner = new Scanner(options().threads(1).build());
        int[] opens = {0};
        scanner.opener = f -> {
            FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
            if (opens[0]++ == 0) {
                Files.writeString(f, "second version, longer");
            }
            return ch;
        };

        ScanResult r = scanner.scan(root);

        assertEquals(2, opens[0]);
        assertArrayEquals(Sha256.of("second version, longer".getBytes()), r.manifest().get("f.txt").sha256());
        assertTrue(r.problems().isEmpty());
    }

    @Test
    void scan_reportsHostileNamesWithoutCrashing() throws IOException {
        write(root, "fine.txt", "ok");
        write(root, "new\nline.txt", "x");
        write(root, "back\\slash", "x");
        write(root, "bad\u0001dir/inner.txt", "never listed: its directory cannot be named");

        ScanResult r = new Scanner(options().build()).scan(root);

        assertEquals(List.of("fine.txt"), paths(r.manifest()));
        List<String> bad = new ArrayList<>();
        for (ScanProblem p : r.problems()) {
            assertEquals(ScanProblem.Kind.INVALID_NAME, p.kind());
            bad.add(p.path());
        }
        assertEquals(List.of("back\\slash", "bad\u0001dir", "new\nline.txt"), bad);
        assertTrue(r.problems().get(0).reason().contains("backslash"), r.problems().get(0).reason());
        assertFalse(r.problems().get(2).toString().contains("\n"), "messages stay on one line");
    }

    /** Linux names are bytes; one that is not UTF-8 cannot be carried in a manifest and is reported. */
    @Test
    void scan_reportsNonUtf8NamesAndTargets() throws Exception {
        write(root, "café.txt", "valid UTF-8 is fine");
        Process p = new ProcessBuilder("sh", "-c",
                "touch \"$(printf 'bad\\377name')\" && ln -s \"$(printf 'to\\376x')\" badlink")
                .directory(root.toFile()).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "could not create the names");

        ScanResult r = new Scanner(options().build()).scan(root);

        assertEquals(List.of("café.txt"), paths(r.manifest()));
        assertEquals(2, r.problems().size(), r.problems().toString());
        List<ScanProblem.Kind> kinds = r.problems().stream().map(ScanProblem::kind).sorted().collect(Collectors.toList());
        assertEquals(List.of(ScanProblem.Kind.INVALID_NAME, ScanProblem.Kind.INVALID_SYMLINK), kinds);
    }

    @Test
    void scan_rejectsMissingOrNonDirectoryRoot() throws IOException {
        Scanner s = new Scanner(options().build());
        assertThrows(NoSuchFileException.class, () -> s.scan(root.resolve("missing")));
        Path file = write(root, "file", "x");
        assertThrows(NotDirectoryException.class, () -> s.scan(file));
    }

    @Test
    void scan_emptyRoot_givesEmptyManifest() throws IOException {
        ScanResult r = new Scanner(options().build()).scan(root);
        assertTrue(r.manifest().entries().isEmpty());
        assertEquals(0, r.stats().files());
    }

    @Test
    void scan_reportsProgressEndingWithTotals() throws IOException {
        ScanFixtures.randomTree(root, 9, 40);
        List<ScanProgress.Phase> phases = new ArrayList<>();
        long[] last = new long[4];
        ScanProgress progress = (phase, filesDone, filesTotal, bytesDone, bytesTotal) -> {
            if (phases.isEmpty() || phases.get(phases.size() - 1) != phase) {
                phases.add(phase);
            }
            assertTrue(filesDone <= filesTotal && bytesDone <= bytesTotal, "done never exceeds total");
            last[0] = filesDone;
            last[1] = filesTotal;
            last[2] = bytesDone;
            last[3] = bytesTotal;
        };

        ScanResult r = new Scanner(options().progress(progress).build()).scan(root);

        assertEquals(List.of(ScanProgress.Phase.WALK, ScanProgress.Phase.CHUNK, ScanProgress.Phase.DONE), phases);
        assertEquals(40, last[0]);
        assertEquals(40, last[1]);
        assertEquals(r.stats().bytes(), last[2]);
        assertEquals(r.stats().bytes(), last[3]);
    }

    @Test
    void options_rejectBadValues() {
        assertThrows(IllegalArgumentException.class, () -> ScanOptions.builder("bad name").build());
        assertThrows(IllegalArgumentException.class, () -> ScanOptions.builder("ok").threads(0).build());
        assertThrows(IllegalArgumentException.class, () -> ScanOptions.builder("ok").version(3).parentVersion(3).build());
        assertNotNull(ScanOptions.builder("ok").build());
        assertNull(ScanOptions.builder("ok").build().cache());
    }
}
