package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;

import static dev.delta.engine.scan.ScanFixtures.OLD;
import static dev.delta.engine.scan.ScanFixtures.options;
import static dev.delta.engine.scan.ScanFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The snapshot beside the file-state map: answers an unchanged tree alone, never a changed file, never when damaged. */
class FileStateSnapshotTest {
    @TempDir
    Path tmp;

    private Path tree() throws IOException {
        return Files.createDirectories(tmp.resolve("tree"));
    }

    private Path cacheDir() {
        return tmp.resolve("cache");
    }

    private Path snapshotFile() {
        return cacheDir().resolve(FileStateSnapshot.FILE_NAME);
    }

    private Manifest uncached(Path root) throws IOException {
        return new Scanner(options().build()).scan(root).manifest();
    }

    /** A scan with a freshly opened cache; {@code mapOpened} receives whether the scan needed the map. */
    private ScanResult scan(Path root, boolean[] mapOpened) throws IOException {
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertTrue(cache.isEnabled());
            ScanResult r = new Scanner(options().cache(cache).build()).scan(root);
            if (mapOpened != null) {
                mapOpened[0] = cache.mapOpened();
            }
            return r;
        }
    }

    private ScanResult scan(Path root) throws IOException {
        return scan(root, null);
    }

    @Test
    void unchangedTree_isAnsweredBySnapshot_withoutOpeningTheMap_orRewritingIt() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 21, 150);
        ScanResult first = scan(root);
        assertTrue(Files.exists(snapshotFile()), "the first scan leaves a snapshot");
        byte[] snap = Files.readAllBytes(snapshotFile());
        FileTime written = Files.getLastModifiedTime(snapshotFile());

        boolean[] opened = {true};
        ScanResult second = scan(root, opened);

        assertFalse(opened[0], "an unchanged tree needs no map lookup");
        assertEquals(0, second.stats().bytesRead());
        assertEquals(150, second.stats().cacheHits());
        assertEquals(first.stats().bytes(), second.stats().bytesReused());
        assertEquals(uncached(root), second.manifest());
        assertArrayEquals(snap, Files.readAllBytes(snapshotFile()));
        assertEquals(written, Files.getLastModifiedTime(snapshotFile()), "nothing to rewrite");
    }

    @Test
    void changedFile_isRechunked_throughTheMap_andTheNewSnapshotAnswersNextTime() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 22, 40);
        write(root, "target.txt", "AAAAAAAAAA");
        scan(root);
        scan(root); // from the snapshot

        Files.writeString(root.resolve("target.txt"), "BBBBBBBBBB"); // same size
        Files.setLastModifiedTime(root.resolve("target.txt"), FileTime.from(OLD.plusSeconds(60)));
        boolean[] opened = {false};
        ScanResult r = scan(root, opened);

        assertTrue(opened[0]);
        assertEquals(10, r.stats().bytesRead(), "only the changed file is read");
        assertArrayEquals(Sha256.of("BBBBBBBBBB".getBytes()), r.manifest().get("target.txt").sha256());
        assertEquals(uncached(root), r.manifest());

        ScanResult again = scan(root, opened);
        assertFalse(opened[0], "the rewritten snapshot covers the changed file");
        assertEquals(0, again.stats().bytesRead());
        assertEquals(uncached(root), again.manifest());
    }

    @Test
    void sameSizeAndMtime_butOtherInode_isNotTakenFromTheSnapshot() throws IOException {
        Path root = tree();
        write(root, "target.txt", "AAAAAAAAAA");
        write(root, "other.txt", "unchanged");
        scan(root);
        FileStat old = FileStat.of(root.resolve("target.txt"));
        Path replacement = write(tmp, "replacement.txt", "CCCCCCCCCC"); // same size, same (OLD) mtime
        Files.move(replacement, root.resolve("target.txt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        assertEquals(old.mtimeNanos(), FileStat.of(root.resolve("target.txt")).mtimeNanos());

        ScanResult r = scan(root);

        assertEquals(10, r.stats().bytesRead());
        assertArrayEquals(Sha256.of("CCCCCCCCCC".getBytes()), r.manifest().get("target.txt").sha256());
    }

    @Test
    void addedAndRemovedFiles_updateMapAndSnapshot() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 23, 30);
        write(root, "gone.txt", "to be deleted");
        scan(root);
        Files.delete(root.resolve("gone.txt"));
        write(root, "new.txt", "0123456789abcdef");

        boolean[] opened = {false};
        ScanResult r = scan(root, opened);
        assertTrue(opened[0], "a new or vanished file brings the map up to date");
        assertEquals(16, r.stats().bytesRead());
        assertEquals(uncached(root), r.manifest());

        ScanResult again = scan(root, opened);
        assertFalse(opened[0]);
        assertEquals(0, again.stats().bytesRead());
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(31, cache.size(), "the vanished path is dropped from the map");
        }
    }

    @Test
    void removedFileOnly_stillDropsItFromTheMap() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 24, 20);
        write(root, "gone.txt", "to be deleted");
        scan(root);
        Files.delete(root.resolve("gone.txt"));

        boolean[] opened = {false};
        ScanResult r = scan(root, opened);
        assertTrue(opened[0]);
        assertEquals(0, r.stats().bytesRead());
        assertEquals(uncached(root), r.manifest());
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(20, cache.size());
        }
    }

    @Test
    void damagedSnapshot_isIgnored_theMapAnswers_andItIsRewritten() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 25, 60);
        scan(root);
        try (RandomAccessFile raf = new RandomAccessFile(snapshotFile().toFile(), "rw")) {
            long at = raf.length() / 2;
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x10);
        }

        boolean[] opened = {false};
        ScanResult r = scan(root, opened);
        assertTrue(opened[0], "a snapshot failing its check is not used");
        assertEquals(0, r.stats().bytesRead(), "the map still answers");
        assertEquals(uncached(root), r.manifest());

        scan(root, opened);
        assertFalse(opened[0], "a sound snapshot was written again");
    }

    @Test
    void truncatedOrForeignSnapshot_isIgnored() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 26, 20);
        scan(root);
        byte[] whole = Files.readAllBytes(snapshotFile());
        Files.write(snapshotFile(), java.util.Arrays.copyOf(whole, whole.length - 9));
        boolean[] opened = {false};
        assertEquals(uncached(root), scan(root, opened).manifest());
        assertTrue(opened[0]);

        Files.write(snapshotFile(), new byte[] {1, 2, 3});
        assertEquals(uncached(root), scan(root, opened).manifest());
        assertTrue(opened[0]);
    }

    @Test
    void snapshotOfAnotherMapState_isIgnored() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 27, 20);
        write(root, "target.txt", "AAAAAAAAAA");
        scan(root);
        Path old = tmp.resolve("old-snapshot");
        Files.copy(snapshotFile(), old);

        Files.writeString(root.resolve("target.txt"), "BBBBBBBBBB");
        Files.setLastModifiedTime(root.resolve("target.txt"), FileTime.from(OLD.plusSeconds(60)));
        scan(root); // the map changes and is sealed again
        Files.copy(old, snapshotFile(), StandardCopyOption.REPLACE_EXISTING); // a sound file, of the old state

        boolean[] opened = {false};
        ScanResult r = scan(root, opened);
        assertTrue(opened[0], "a snapshot written for another seal of the map is not read");
        assertArrayEquals(Sha256.of("BBBBBBBBBB".getBytes()), r.manifest().get("target.txt").sha256());
        assertEquals(uncached(root), r.manifest());
    }

    @Test
    void afterACrash_theSnapshotIsIgnored_andTheMapIsRecovered() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 28, 30);
        scan(root);
        FileStateCache crashed = FileStateCache.open(cacheDir(), 100);
        assertEquals(30, crashed.size()); // opens the map: the state says "open" from here on
        crashed.abandonForTest();

        ScanResult r;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.RECOVERED, cache.openMode());
            assertTrue(cache.mapOpened());
            r = new Scanner(options().cache(cache).build()).scan(root);
        }
        assertEquals(0, r.stats().bytesRead());
        assertEquals(uncached(root), r.manifest());
    }

    @Test
    void damagedMapWithSoundSnapshot_isRebuiltAtOpen() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 29, 30);
        scan(root);
        Path map;
        try (var s = Files.list(cacheDir())) {
            map = s.filter(p -> p.getFileName().toString().endsWith(".cmap")).findFirst().orElseThrow();
        }
        try (RandomAccessFile raf = new RandomAccessFile(map.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        ScanResult r;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.REBUILT, cache.openMode(), "the seal is checked before the snapshot is trusted");
            r = new Scanner(options().cache(cache).build()).scan(root);
        }
        assertEquals(r.stats().bytes(), r.stats().bytesRead());
        assertEquals(uncached(root), r.manifest());
    }

    @Test
    void writerAndCursor_roundTrip_andCheckEveryRecord() throws IOException {
        ChunkList.Builder b = ChunkList.builder();
        b.add(100, 1, 2).add(50, 3, 4);
        ChunkList two = b.build();
        FileStateSnapshot.Writer w = new FileStateSnapshot.Writer(ScanFixtures.SMALL);
        byte[] sha = Sha256.of("x".getBytes());
        w.add("a/b", new FileStat(FileStat.Kind.FILE, 0644, 150, 11, 12, 13, 14), sha, two, null);
        w.add("a/c", new FileStat(FileStat.Kind.FILE, 0644, 0, 21, 22, 23, 24), sha, ChunkList.EMPTY, new long[] {7, 8});
        Path f = tmp.resolve("snap");
        Files.write(f, w.encode(42));

        assertNull(FileStateSnapshot.read(f, 43), "another map state");
        FileStateSnapshot s = FileStateSnapshot.read(f, 42);
        assertNotNull(s);
        assertEquals(ScanFixtures.SMALL, s.params);
        FileStateSnapshot.Cursor c = s.cursor();
        assertEquals("a/b", c.path());
        assertTrue(c.sameStat(new FileStat(FileStat.Kind.FILE, 0600, 150, 11, 12, 13, 14)), "mode is not compared");
        assertFalse(c.sameStat(new FileStat(FileStat.Kind.FILE, 0644, 150, 11, 12, 13, 15)), "ctime is");
        assertEquals(two, c.chunks());
        assertArrayEquals(sha, c.sha256());
        assertNull(c.sideId());
        c.next();
        assertEquals("a/c", c.path());
        assertEquals(ChunkList.EMPTY, c.chunks());
        assertArrayEquals(new long[] {7, 8}, c.sideId());
        c.next();
        assertNull(c.path());

        // records must come in canonical order
        FileStateSnapshot.Writer bad = new FileStateSnapshot.Writer(ScanFixtures.SMALL);
        bad.add("b", new FileStat(FileStat.Kind.FILE, 0644, 0, 1, 1, 1, 1), sha, ChunkList.EMPTY, null);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () ->
                bad.add("a", new FileStat(FileStat.Kind.FILE, 0644, 0, 1, 1, 1, 1), sha, ChunkList.EMPTY, null));
    }
}
