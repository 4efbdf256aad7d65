package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.delta.engine.scan.ScanFixtures.OLD;
import static dev.delta.engine.scan.ScanFixtures.options;
import static dev.delta.engine.scan.ScanFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileStateCacheTest {
    @TempDir
    Path tmp;

    private Path tree() throws IOException {
        return Files.createDirectories(tmp.resolve("tree"));
    }

    private Path cacheDir() {
        return tmp.resolve("cache");
    }

    private ScanResult scan(Path root, FileStateCache cache) throws IOException {
        return new Scanner(options().cache(cache).build()).scan(root);
    }

    /** Scans with a cache opened for the occasion and closed (sealed) afterwards. */
    private ScanResult scanWithCache(Path root) throws IOException {
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertTrue(cache.isEnabled());
            return scan(root, cache);
        }
    }

    private Path mapFile() throws IOException {
        try (Stream<Path> s = Files.list(cacheDir())) {
            List<Path> maps = s.filter(p -> p.getFileName().toString().endsWith(".cmap")).collect(Collectors.toList());
            assertEquals(1, maps.size(), maps.toString());
            return maps.get(0);
        }
    }

    @Test
    void rescan_ofUnchangedTree_readsNothing() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 5, 120);
        ScanResult first = scanWithCache(root);
        assertEquals(first.stats().bytes(), first.stats().bytesRead());
        assertEquals(0, first.stats().cacheHits());

        ScanResult second;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.OPENED, cache.openMode());
            assertEquals(120, cache.size());
            second = scan(root, cache);
        }

        assertEquals(0, second.stats().bytesRead());
        assertEquals(120, second.stats().cacheHits());
        assertEquals(0, second.stats().cacheMisses());
        assertEquals(first.stats().bytes(), second.stats().bytesReused());
        assertEquals(first.manifest(), second.manifest());
    }

    @Test
    void modifiedFile_sameSizeNewMtime_isRechunked() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 6, 30);
        write(root, "target.txt", "AAAAAAAAAA");
        scanWithCache(root);

        Files.writeString(root.resolve("target.txt"), "BBBBBBBBBB");
        Files.setLastModifiedTime(root.resolve("target.txt"), FileTime.from(OLD.plusSeconds(60)));
        ScanResult r = scanWithCache(root);

        assertEquals(10, r.stats().bytesRead(), "only the modified file is read");
        assertEquals(30, r.stats().cacheHits());
        assertEquals(1, r.stats().cacheMisses());
        assertArrayEquals(Sha256.of("BBBBBBBBBB".getBytes()), r.manifest().get("target.txt").sha256());
    }

    @Test
    void replacedFile_sameSizeAndMtime_newInode_isRechunked() throws IOException {
        Path root = tree();
        write(root, "target.txt", "AAAAAAAAAA");
        write(root, "other.txt", "unchanged");
        ScanResult before = scanWithCache(root);
        FileStat old = FileStat.of(root.resolve("target.txt"));

        Path replacement = write(tmp, "replacement.txt", "CCCCCCCCCC"); // same size, same (OLD) mtime
        Files.move(replacement, root.resolve("target.txt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        FileStat now = FileStat.of(root.resolve("target.txt"));
        assertEquals(old.size(), now.size());
        assertEquals(old.mtimeNanos(), now.mtimeNanos());
        assertNotEquals(old.inode(), now.inode());

        ScanResult r = scanWithCache(root);

        assertEquals(10, r.stats().bytesRead());
        assertArrayEquals(Sha256.of("CCCCCCCCCC".getBytes()), r.manifest().get("target.txt").sha256());
        assertEquals(before.manifest().get("other.txt"), r.manifest().get("other.txt"));
    }

    @Test
    void changedChunkerParams_missTheCache() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 7, 20);
        scanWithCache(root);
        ChunkerParams other = new ChunkerParams(512, 2048, 8192, 1);
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            ScanResult r = new Scanner(options().chunker(other).cache(cache).build()).scan(root);
            assertEquals(0, r.stats().cacheHits());
            assertEquals(r.stats().bytes(), r.stats().bytesRead());
            assertEquals(new Scanner(options().chunker(other).build()).scan(root).manifest(), r.manifest());
        }
    }

    @Test
    void truncatedMapFile_isRebuiltAndScanIsCorrect() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 8, 50);
        ScanResult first = scanWithCache(root);
        Path map = mapFile();
        try (RandomAccessFile raf = new RandomAccessFile(map.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }

        ScanResult second;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.REBUILT, cache.openMode());
            assertEquals(0, cache.size());
            second = scan(root, cache);
        }

        assertEquals(first.manifest(), second.manifest());
        assertEquals(second.stats().bytes(), second.stats().bytesRead());
        assertEquals(0, scanWithCache(root).stats().bytesRead(), "the rebuilt cache works");
    }

    @Test
    void overwrittenMapFile_isRebuiltWithoutStalling() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 9, 20);
        ScanResult first = scanWithCache(root);
        Path map = mapFile();
        Files.write(map, new byte[(int) Files.size(map)]); // zeros: Chronicle Map would wait a minute on this header

        long t0 = System.nanoTime();
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "no stall on a damaged header");
            assertEquals(FileStateCache.OpenMode.REBUILT, cache.openMode());
            assertEquals(first.manifest(), scan(root, cache).manifest());
        }
    }

    @Test
    void staleOpenState_takesRecoveryPath_andKeepsEntries() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 10, 60);
        FileStateCache crashed = FileStateCache.open(cacheDir(), 100);
        ScanResult first = scan(root, crashed);
        crashed.abandonForTest(); // as if the process died: no seal, lock released by the OS

        ScanResult second;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.RECOVERED, cache.openMode());
            second = scan(root, cache);
        }

        assertEquals(first.manifest(), second.manifest());
        assertEquals(0, second.stats().bytesRead(), "recovered entries are reused");
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 100)) {
            assertEquals(FileStateCache.OpenMode.OPENED, cache.openMode(), "a clean close seals it again");
        }
    }

    @Test
    void largeChunkList_roundTripsThroughSideFile() throws IOException {
        Path root = tree();
        ChunkerParams tiny = new ChunkerParams(64, 128, 512, 1);
        write(root, "big.bin", ScanFixtures.random(11, 3 * 1024 * 1024));
        write(root, "small.bin", ScanFixtures.random(12, 1000));

        ScanResult first;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            first = new Scanner(options().chunker(tiny).cache(cache).build()).scan(root);
        }
        Entry big = first.manifest().get("big.bin");
        assertTrue(big.chunks().size() > 15_000, "tens of thousands of chunks: " + big.chunks().size());
        Path sideDir = cacheDir().resolve("chunks");
        try (Stream<Path> s = Files.list(sideDir)) {
            assertEquals(1, s.count(), "the big table went to a side file, the small one inline");
        }

        ScanResult second;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            second = new Scanner(options().chunker(tiny).cache(cache).build()).scan(root);
        }
        assertEquals(0, second.stats().bytesRead());
        assertEquals(big.chunks(), second.manifest().get("big.bin").chunks());
        assertEquals(first.manifest(), second.manifest());

        // a damaged side file is a miss, never a wrong chunk list
        try (Stream<Path> s = Files.list(sideDir)) {
            Path side = s.findFirst().orElseThrow();
            byte[] b = Files.readAllBytes(side);
            b[100] ^= 1;
            Files.write(side, b);
        }
        // (the snapshot keeps its own checked copy of every table and answers without the map;
        // without it the map and its side file are consulted)
        Files.delete(cacheDir().resolve(FileStateSnapshot.FILE_NAME));
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            ScanResult third = new Scanner(options().chunker(tiny).cache(cache).build()).scan(root);
            assertEquals(3 * 1024 * 1024, third.stats().bytesRead());
            assertEquals(1, cache.corruptValues());
            assertEquals(first.manifest(), third.manifest());
        }
    }

    @Test
    void removedPaths_areForgotten_andTheirSideFilesDeleted() throws IOException {
        Path root = tree();
        ChunkerParams tiny = new ChunkerParams(64, 128, 512, 1);
        write(root, "big.bin", ScanFixtures.random(13, 1024 * 1024));
        write(root, "keep.txt", "keep");
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            new Scanner(options().chunker(tiny).cache(cache).build()).scan(root);
            assertEquals(2, cache.size());
        }
        Files.delete(root.resolve("big.bin"));
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            new Scanner(options().chunker(tiny).cache(cache).build()).scan(root);
            assertEquals(1, cache.size());
        }
        try (Stream<Path> s = Files.list(cacheDir().resolve("chunks"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void secondUserOfTheDirectory_runsWithoutCache() throws IOException {
        Path root = tree();
        ScanFixtures.randomTree(root, 14, 10);
        try (FileStateCache first = FileStateCache.open(cacheDir(), 10);
             FileStateCache second = FileStateCache.open(cacheDir(), 10)) {
            assertTrue(first.isEnabled());
            assertFalse(second.isEnabled());
            assertEquals(FileStateCache.OpenMode.DISABLED, second.openMode());
            ScanResult r = scan(root, second);
            assertEquals(10, r.stats().files());
            assertEquals(r.stats().bytes(), r.stats().bytesRead());
        }
    }

    @Test
    void manyMoreFilesThanTheHint_growsTheMap() throws IOException {
        Path root = tree();
        for (int i = 0; i < 3000; i++) {
            write(root, "d" + (i % 30) + "/f" + i, "content " + i);
        }
        ScanFixtures.ageAll(root);
        ScanResult first;
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            first = scan(root, cache);
            assertEquals(3000, cache.size());
        }
        String name = mapFile().getFileName().toString(); // map-<capacity>.cmap
        long capacity = Long.parseLong(name.substring(4, name.length() - 5));
        assertTrue(capacity >= 3000, name);
        try (FileStateCache cache = FileStateCache.open(cacheDir(), 10)) {
            ScanResult second = scan(root, cache);
            assertEquals(3000, second.stats().cacheHits());
            assertEquals(first.manifest(), second.manifest());
        }
    }

    @Test
    void recentlyModifiedFile_isNotCached() throws IOException {
        Path root = tree();
        write(root, "old.txt", "old");
        Files.writeString(root.resolve("fresh.txt"), "just written");
        // an mtime not safely older than the read (here: ahead of it, so no scheduling delay of a
        // loaded machine can age it past the racy window before the first scan reads it)
        Files.setLastModifiedTime(root.resolve("fresh.txt"),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(30)));
        scanWithCache(root);
        ScanResult r = scanWithCache(root);
        assertEquals(1, r.stats().cacheHits());
        assertEquals("just written".length(), r.stats().bytesRead());
    }

    @Test
    void isRacy_dependsOnTimestampGranularity() {
        long now = 1_700_000_000_000_000_000L;
        assertTrue(FileStateCache.isRacy(now - 10_000_000L + 1, now), "10 ms old fine-grained mtime");
        assertFalse(FileStateCache.isRacy(now - 100_000_001L, now), "100 ms old fine-grained mtime");
        assertTrue(FileStateCache.isRacy(now - 1_000_000_000L, now), "whole-second mtime 1 s old");
        assertFalse(FileStateCache.isRacy(now - 3_000_000_000L, now), "whole-second mtime 3 s old");
        assertTrue(FileStateCache.isRacy(now + 5_000_000_000L, now), "future mtime");
    }

    @Test
    void cacheOpenedInBackground_isUsedAfterTheWalk_andItsDirectoryIsSkipped() throws Exception {
        Path root = tree();
        ScanFixtures.randomTree(root, 6, 60);
        Path inside = root.resolve(".cache");
        java.util.concurrent.CompletableFuture<FileStateCache> opening = FileStateCache.openInBackground(inside, 10);
        ScanResult first = new Scanner(options().cache(inside, opening).build()).scan(root);
        opening.get().close();
        assertEquals(first.stats().bytes(), first.stats().bytesRead());
        assertTrue(first.manifest().entries().stream().noneMatch(e -> e.path().startsWith(".cache")),
                "the cache directory is not part of the tree even before the cache has opened");

        opening = FileStateCache.openInBackground(inside, 10);
        ScanResult second = new Scanner(options().cache(inside, opening).build()).scan(root);
        try (FileStateCache c = opening.get()) {
            assertEquals(FileStateCache.OpenMode.OPENED, c.openMode());
            assertEquals(60, c.size());
        }
        assertEquals(0, second.stats().bytesRead());
        assertEquals(60, second.stats().cacheHits());
        assertEquals(first.manifest(), second.manifest());
    }

    @Test
    void cacheInsideTheTree_isNotScanned() throws IOException {
        Path root = tree();
        write(root, "a.txt", "a");
        try (FileStateCache cache = FileStateCache.open(root.resolve(".delta-cache"), 10)) {
            Manifest m = scan(root, cache).manifest();
            assertEquals(List.of("a.txt"), m.entries().stream().map(Entry::path).collect(Collectors.toList()));
        }
    }

    @Test
    void unusableDirectory_givesDisabledCache() throws IOException {
        Path file = write(tmp, "not-a-dir", "x");
        try (FileStateCache cache = FileStateCache.open(file, 10)) {
            assertFalse(cache.isEnabled());
            assertEquals(0, cache.size());
        }
    }

    @Test
    void disabledCache_neverHits() {
        FileStateCache c = FileStateCache.disabled();
        FileStat st = new FileStat(FileStat.Kind.FILE, 0644, 1, 1, 1, 1, 1);
        assertEquals(null, c.lookup("x", st, ChunkerParams.DEFAULT));
        c.store("x", st, ChunkerParams.DEFAULT, new dev.delta.engine.chunk.ChunkedFile(0, new byte[32],
                dev.delta.engine.chunk.ChunkList.EMPTY), 0);
        assertEquals(0, c.size());
        c.close();
    }
}
