package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReleaseBuilderTest {
    private static final ChunkerParams SMALL = new ChunkerParams(256, 1024, 4096, 2);

    @TempDir
    Path tmp;

    private Path origin() throws IOException {
        Path o = tmp.resolve("origin");
        Files.createDirectories(o.resolve("docs/deep"));
        Files.createDirectories(o.resolve("empty"));
        Random r = new Random(3);
        byte[] big = new byte[200_000];
        r.nextBytes(big);
        Files.write(o.resolve("big.bin"), big);
        Files.writeString(o.resolve("docs/a.txt"), "alpha\n".repeat(2000));
        Files.writeString(o.resolve("docs/deep/b.txt"), text(r, 3000));
        Files.createSymbolicLink(o.resolve("link"), Path.of("docs/a.txt"));
        Files.setPosixFilePermissions(o.resolve("docs/a.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(o.resolve("docs/deep"), PosixFilePermissions.fromString("r-xr-xr-x"));
        return o;
    }

    private static String text(Random r, int lines) {
        String[] words = {"alpha", "beta", "gamma", "delta", "chunk", "edge", "origin", "range"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            for (int w = 0; w < 4; w++) {
                sb.append(words[r.nextInt(words.length)]).append(w < 3 ? ' ' : '\n');
            }
        }
        return sb.toString();
    }

    private static Manifest scan(Path dir, long version) throws IOException {
        return Builds.scan(dir, version, SMALL);
    }

    /** Builds {@code m} into the store, fetching ranges from {@code source}; returns bytes fetched. */
    private static long sync(DatasetStore store, Manifest m, Path source) throws IOException {
        return Builds.build(store, m, source);
    }

    /** A build of {@code m} started and its local part prepared (the caller holds the lock). */
    private static ReleaseBuilder startAndPrepare(DatasetStore store, Manifest m) throws IOException {
        ReleaseBuilder b = ReleaseBuilder.start(store, m, new ManifestCodec().encode(m));
        b.prepareLocal();
        return b;
    }

    /** The build's staging directory (the only one under the store's staging root). */
    private static Path theStaging(DatasetStore store) throws IOException {
        try (var s = Files.list(store.stagingRoot())) {
            return s.findFirst().orElseThrow();
        }
    }

    private static ByteBuffer read(Path source, FetchRange r) throws IOException {
        return Builds.read(source, r);
    }

    /** A release-like change: big.bin renamed (local copies only), a line inserted in docs/deep/b.txt (a fetch). */
    private static void moveBigAndInsertALine(Path o) throws IOException {
        Files.move(o.resolve("big.bin"), o.resolve("moved.bin"));
        String b = Files.readString(o.resolve("docs/deep/b.txt"));
        Files.writeString(o.resolve("docs/deep/b.txt"), b.substring(0, b.length() / 2) + "NEW LINE\n"
                + b.substring(b.length() / 2));
    }

    /**
     * The next version of {@code base} plus docs/new.txt, whose chunk ids are docs/a.txt's (all
     * local) but whose file digest is not: staging can't verify it.
     */
    private static Manifest withALyingFile(Manifest base) {
        Entry a = base.get("docs/a.txt");
        Entry lie = Entry.file("docs/new.txt", 0644, 0, a.size(), Sha256.of(new byte[]{1}), a.chunks());
        java.util.List<Entry> es = new java.util.ArrayList<>(base.entries());
        es.add(lie);
        return new Manifest("site", base.version() + 1, base.version(), 0, SMALL, es);
    }

    private static void assertTreeMatches(Manifest m, Path dir) throws IOException {
        Builds.assertTreeMatches(m, dir, SMALL);
    }

    @Test
    void coldSync_buildsAVerifiedReleaseAndSwitchesCurrent() throws IOException {
        Path o = origin();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");

        long fetched = sync(store, v1, o);

        assertEquals(v1.totalBytes(), fetched);
        assertEquals(1, store.current().getAsLong());
        assertEquals(List.of(1L), store.versions());
        assertTreeMatches(v1, store.currentLink());
        assertEquals(v1, store.manifest(1));
    }

    @Test
    void coldSync_ofManyDirectoriesOnSeveralLevels_makesEveryOneWithItsModeAndTime() throws IOException {
        // 1,500 directories on three levels, some read-only, some empty.
        Path o = tmp.resolve("origin");
        Random r = new Random(11);
        for (int a = 0; a < 150; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 2; c++) {
                    Path d = Files.createDirectories(o.resolve("a" + a + "/b" + b + "/c" + c));
                    if (r.nextInt(4) > 0) {
                        Files.writeString(d.resolve("f.txt"), "file " + a + b + c + "\n");
                    } // else left empty
                }
            }
            if (a % 10 == 0) {
                Files.setPosixFilePermissions(o.resolve("a" + a + "/b0"), PosixFilePermissions.fromString("r-xr-x---"));
            }
        }
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");

        sync(store, v1, o);

        assertTreeMatches(v1, store.currentLink()); // every directory, file, mode and time
        assertEquals(150 + 450 + 900, v1.entries().stream().filter(Entry::isDir).count());
    }

    @Test
    void update_renamedAndUnchangedFilesCostNothingAndShareInodes() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);

        moveBigAndInsertALine(o);
        Files.delete(o.resolve("link"));
        Manifest v2 = scan(o, 2);
        long fetched = sync(store, v2, o);

        assertTrue(fetched < 5000, "only the chunks around the inserted line are fetched, got " + fetched);
        assertEquals(2, store.current().getAsLong());
        assertTreeMatches(v2, store.currentLink());
        Object k1 = Files.readAttributes(store.releaseDir(1).resolve("docs/a.txt"), BasicFileAttributes.class).fileKey();
        Object k2 = Files.readAttributes(store.releaseDir(2).resolve("docs/a.txt"), BasicFileAttributes.class).fileKey();
        assertEquals(k1, k2, "an unchanged file is a hard link into the previous release");
        assertTreeMatches(v1, store.releaseDir(1));
    }

    /**
     * A releases/vN with no manifest is not a release (a prune cut short deletes the manifest
     * first): building vN replaces it, where it used to fail every sync with "vN is not retained".
     * One that current names is refused, and left as it is.
     */
    @Test
    void aReleaseDirectoryWithNoManifest_isReplaced_unlessCurrentNamesIt() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        sync(store, scan(o, 1), o);
        Path junk = Files.createDirectories(store.releaseDir(2).resolve("half/pruned"));
        Files.writeString(junk.resolve("left.txt"), "left by a prune cut short");
        Files.createSymbolicLink(store.releaseDir(2).resolve("out"), tmp); // deleted, not followed

        moveBigAndInsertALine(o);
        Manifest v2 = scan(o, 2);
        sync(store, v2, o);
        assertEquals(2, store.current().getAsLong());
        assertTreeMatches(v2, store.currentLink());
        assertFalse(Files.exists(store.releaseDir(2).resolve("half")));
        assertTrue(Files.exists(tmp.resolve("data")), "nothing outside the release was touched");

        Files.delete(store.root().resolve(".delta/manifests/v2.dm")); // current now names a non-release
        StoreException e = assertThrows(StoreException.class, () -> store.removeLeftoverRelease(2));
        assertTrue(e.getMessage().contains("current or the rollback hold names it"), e.getMessage());
        assertTrue(Files.isDirectory(store.releaseDir(2)), "kept");
        assertFalse(store.removeLeftoverRelease(1), "a release with its manifest is not a leftover");
    }

    @Test
    void sameVersionAgain_isAlreadyCommittedAndFetchesNothing() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);
        assertEquals(0, sync(store, v1, o));
    }

    @Test
    void resume_afterAnInterruptedBuild_fetchesOnlyMissingChunks() throws IOException {
        Path o = origin();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        byte[] enc = new ManifestCodec().encode(v1);
        long firstTotal;
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, enc, 8192);
            b.prepareLocal();
            List<FetchRange> ranges = b.pending();
            firstTotal = ranges.stream().mapToLong(FetchRange::length).sum();
            for (int i = 0; i < ranges.size(); i += 2) { // half the ranges, then the process "dies"
                b.accept(ranges.get(i), read(o, ranges.get(i)));
            }
        }
        assertTrue(store.current().isEmpty(), "nothing is visible before commit");

        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, enc, 8192);
            b.prepareLocal();
            long stillNeeded = b.pending().stream().mapToLong(FetchRange::length).sum();
            assertTrue(b.bytesResumed() > 0);
            assertEquals(firstTotal, stillNeeded + b.bytesResumed(), "every byte is either verified in staging or pending");
            for (FetchRange r : b.pending()) {
                b.accept(r, read(o, r));
            }
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink());
    }

    @Test
    void accept_rejectsCorruptBytesAndWritesNothing() throws IOException {
        Path o = origin();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, new ManifestCodec().encode(v1));
            b.prepareLocal();
            FetchRange r = b.pending().get(0);
            ByteBuffer bad = read(o, r);
            bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
            ChunkMismatchException e = assertThrows(ChunkMismatchException.class, () -> b.accept(r, bad));
            assertEquals(r, e.range());
            assertTrue(e.getMessage().contains("does not match its id"), e.getMessage());
            ByteBuffer shortBuf = ByteBuffer.allocate((int) r.length() - 1);
            assertThrows(ChunkMismatchException.class, () -> b.accept(r, shortBuf));
            for (FetchRange x : b.pending()) {
                b.accept(x, read(o, x)); // the refetch succeeds
            }
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink());
    }

    @Test
    void commit_refusesAFileThatFailsItsSha256AndLeavesCurrentAlone() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);
        Manifest v2 = withALyingFile(v1);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v2, new ManifestCodec().encode(v2));
            b.prepareLocal();
            assertTrue(b.pending().isEmpty(), "all chunks are local");
            StoreException e = assertThrows(StoreException.class, () -> b.commit(true));
            assertTrue(e.getMessage().contains("docs/new.txt"), e.getMessage());
        }
        assertEquals(1, store.current().getAsLong());
        assertEquals(List.of(1L), store.versions());
        assertTreeMatches(v1, store.currentLink());
    }

    /**
     * While the ranges are on the wire, the commit's work that needs none of them is done ahead:
     * the moved file (local copies alone) is verified and the manifest stored, and still nothing
     * is listed as a release before the commit; a local-only file that fails its SHA-256 there
     * fails the commit and leaves current alone.
     */
    @Test
    void commitAhead_verifiesLocalFilesAndStoresTheManifestWhileRangesAreFetched_listingNothingBeforeCommit()
            throws Exception {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);
        moveBigAndInsertALine(o);
        Manifest v2 = scan(o, 2);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder rb = ReleaseBuilder.start(store, v2, new ManifestCodec().encode(v2));
            rb.prepareLocal();
            assertFalse(rb.pending().isEmpty());
            rb.startCommitAhead();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(store.manifestFile(2)) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(Files.exists(store.manifestFile(2)), "the manifest was stored while ranges were pending");
            assertEquals(List.of(1L), store.versions(), "but v2 is no release before its commit");
            for (FetchRange r : rb.pending()) {
                rb.accept(r, read(o, r));
            }
            rb.commit(true);
        }
        assertEquals(List.of(1L, 2L), store.versions());
        assertEquals(v2, store.manifest(2));
        assertTreeMatches(v2, store.currentLink());

        Manifest v3 = withALyingFile(v2);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder rb = ReleaseBuilder.start(store, v3, new ManifestCodec().encode(v3));
            rb.prepareLocal();
            rb.startCommitAhead();
            StoreException e = assertThrows(StoreException.class, () -> rb.commit(true));
            assertTrue(e.getMessage().contains("docs/new.txt"), e.getMessage());
        }
        assertEquals(2, store.current().getAsLong());
        assertEquals(List.of(1L, 2L), store.versions());
        assertTreeMatches(v2, store.currentLink());
    }

    @Test
    void start_rejectsPathsBelowASymlinkOrFileAndTouchesNothing() throws IOException {
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        byte[] x = "x".getBytes();
        ChunkList c = ChunkList.builder().add(1, dev.delta.engine.hash.ChunkId.hash(x, 0, 1)).build();
        Manifest viaLink = new Manifest("site", 1, 0, 0, SMALL, List.of(
                Entry.symlink("escape", outside.toString(), 0),
                Entry.file("escape/pwned", 0644, 0, 1, Sha256.of(x), c)));
        Manifest viaFile = new Manifest("site", 1, 0, 0, SMALL, List.of(
                Entry.file("f", 0644, 0, 1, Sha256.of(x), c),
                Entry.file("f/g", 0644, 0, 1, Sha256.of(x), c)));
        Manifest orphan = new Manifest("site", 1, 0, 0, SMALL, List.of(
                Entry.file("missing/parent", 0644, 0, 1, Sha256.of(x), c)));
        for (Manifest m : List.of(viaLink, viaFile, orphan)) {
            try (DatasetStore.Lock l = store.lock()) {
                StoreException e = assertThrows(StoreException.class,
                        () -> ReleaseBuilder.start(store, m, new ManifestCodec().encode(m)));
                assertTrue(e.getMessage().contains("unsafe manifest"), e.getMessage());
            }
        }
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing was written outside the data directory");
        }
        assertTrue(store.current().isEmpty());
    }

    @Test
    void rollbackHoldAndRetention() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        for (int v = 1; v <= 4; v++) {
            Files.writeString(o.resolve("version.txt"), "v" + v);
            Files.setLastModifiedTime(o.resolve("version.txt"), FileTime.fromMillis(1000L * v));
            sync(store, scan(o, v), o);
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), store.versions());
        store.switchTo(2);
        store.hold(2);
        assertEquals(2, store.heldAt().getAsLong());
        assertEquals("v2", Files.readString(store.currentLink().resolve("version.txt")));

        List<Long> removed = store.prune(2);
        assertEquals(List.of(1L), removed, "keeps the newest two, v3 and v4, and the held current v2 on top");
        assertEquals(List.of(2L, 3L, 4L), store.versions());
        assertFalse(Files.exists(store.releaseDir(1), LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(3L), store.prune(1), "the newest, v4, stays beside the held v2: releasing is instant");
        assertEquals(List.of(2L, 4L), store.versions());
        store.releaseHold();
        assertTrue(store.heldAt().isEmpty());
        assertThrows(StoreException.class, () -> store.switchTo(3));
        assertThrows(IllegalArgumentException.class, () -> store.prune(0));
    }

    /**
     * Releases replicate directory modes, so a release can hold directories its owner cannot
     * write (0555) or even list (0000); deleting one must open them up first. (Root deletes them
     * anyway; as any other user this failed with "permission denied" and every prune with it.)
     */
    @Test
    void deleteTree_opensUpDirectoriesItsOwnerCannotWriteOrList() throws IOException {
        Path t = tmp.resolve("t");
        Files.createDirectories(t.resolve("ro/inner"));
        Files.writeString(t.resolve("ro/f"), "x");
        Files.writeString(t.resolve("ro/inner/g"), "y");
        Files.createDirectories(t.resolve("closed"));
        Files.writeString(t.resolve("closed/h"), "z");
        Files.setPosixFilePermissions(t.resolve("ro/inner"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(t.resolve("ro"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(t.resolve("closed"), PosixFilePermissions.fromString("---------"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.createSymbolicLink(t.resolve("ro-link"), outside); // not followed, its target's mode left alone
        DatasetStore.deleteTree(t);
        assertFalse(Files.exists(t, LinkOption.NOFOLLOW_LINKS));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)));
    }

    /** A symlink by the name of the target's staging directory is removed, never built through. */
    @Test
    void stagingThatIsASymlink_isRemovedNotFollowed() throws IOException {
        Path o = origin();
        Manifest m = scan(o, 1);
        byte[] enc = new ManifestCodec().encode(m);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "precious");
        Path staging = store.stagingRoot().resolve("v1-" + Sha256.hex(ManifestCodec.rootDigest(enc)).substring(0, 16));
        Files.createDirectories(staging.getParent());
        Files.createSymbolicLink(staging, victim);
        sync(store, m, o);
        store.switchTo(1);
        assertTrue(Files.isDirectory(store.releaseDir(1), LinkOption.NOFOLLOW_LINKS), "a real directory");
        assertEquals("alpha\n".repeat(2000), Files.readString(store.currentLink().resolve("docs/a.txt")));
        try (var list = Files.list(victim)) {
            assertEquals(List.of(victim.resolve("keep")), list.toList(), "nothing written where the link pointed");
        }
    }

    /**
     * An mtime before 1970 with a fraction of a second is applied as the whole second before it:
     * the JVM cannot set it exactly, and used to set 1970-01-01 instead.
     */
    @Test
    void mtimeBefore1970WithAFraction_isAppliedToTheSecondBefore() throws IOException {
        Path o = origin();
        Manifest scanned = scan(o, 1);
        long t1960 = -302_443_199_876_543_211L; // 1960-06-01T12:00:00.123456789Z
        long tDir = -500_000_000L; // 1969-12-31T23:59:59.5Z
        List<Entry> entries = new java.util.ArrayList<>();
        for (Entry e : scanned.entries()) {
            entries.add(switch (e.path()) {
                case "docs/a.txt" -> Entry.file(e.path(), e.mode(), t1960, e.size(), e.sha256(), e.chunks());
                case "empty" -> Entry.dir(e.path(), e.mode(), tDir);
                case "link" -> Entry.symlink(e.path(), e.target(), t1960);
                default -> e;
            });
        }
        Manifest m = new Manifest("site", 1, 0, scanned.createdMillis(), scanned.chunker(), entries);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        sync(store, m, o);
        Path rel = store.releaseDir(1);
        assertEquals(java.time.Instant.parse("1960-06-01T12:00:00Z"),
                Files.getLastModifiedTime(rel.resolve("docs/a.txt")).toInstant());
        assertEquals(java.time.Instant.parse("1969-12-31T23:59:59Z"),
                Files.getLastModifiedTime(rel.resolve("empty")).toInstant());
        assertEquals(java.time.Instant.parse("1960-06-01T12:00:00Z"),
                Files.getLastModifiedTime(rel.resolve("link"), LinkOption.NOFOLLOW_LINKS).toInstant());
        assertEquals(FileTime.fromMillis(1_000), ReleaseBuilder.settableTime(1_000_000_000L), "after 1970: as is");
    }

    @Test
    void commit_recordsTheRootDigestBesideTheManifestAndPruneRemovesIt() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);
        byte[] enc = store.manifestBytes(1);
        Path record = tmp.resolve("data/site/.delta/manifests/v1.root");
        assertEquals(java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + " " + v1.totalBytes(),
                Files.readString(record).trim());
        assertArrayEquals(Sha256.of(enc), store.rootDigest(1));
        assertEquals(v1.totalBytes(), store.totalBytes(1));

        // The total is taken from the record (an up-to-date sync reads no manifest for it)...
        Files.writeString(record, java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + " 7\n");
        assertEquals(7, store.totalBytes(1));
        // ...and skimmed from the manifest when an older build's record has no total, or a damaged one.
        Files.writeString(record, java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + "\n");
        assertEquals(v1.totalBytes(), store.totalBytes(1));
        assertArrayEquals(Sha256.of(enc), store.rootDigest(1), "a record of two fields still holds the digest");
        Files.writeString(record, java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + " x\n");
        assertEquals(v1.totalBytes(), store.totalBytes(1));
        assertArrayEquals(Sha256.of(enc), store.rootDigestRecorded(1), "a damaged total is written anew...");
        assertEquals(java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + " " + v1.totalBytes(),
                Files.readString(record).trim());
        Files.write(record, new byte[]{(byte) 0xff, (byte) 0xfe, '\n'});
        assertArrayEquals(Sha256.of(enc), store.rootDigest(1), "...and bytes that are not text count as no record");
        // Under the lock, an older build's record is completed for the next look.
        Files.writeString(record, java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + "\n");
        assertArrayEquals(Sha256.of(enc), store.rootDigestRecorded(1));
        assertEquals(java.util.HexFormat.of().formatHex(Sha256.of(enc)) + " " + enc.length + " " + v1.totalBytes(),
                Files.readString(record).trim());

        // A record that does not fit the manifest beside it (length) or is damaged is not trusted.
        Files.writeString(record, "00".repeat(32) + " " + (enc.length + 1) + "\n");
        assertArrayEquals(Sha256.of(enc), store.rootDigest(1), "length mismatch: computed from the manifest");
        Files.writeString(record, "not a digest\n");
        assertArrayEquals(Sha256.of(enc), store.rootDigest(1));
        Files.delete(record);
        assertArrayEquals(Sha256.of(enc), store.rootDigestRecorded(1), "an older store: computed...");
        assertTrue(Files.exists(record), "...and recorded for next time");

        Files.writeString(o.resolve("version.txt"), "v2");
        sync(store, scan(o, 2), o);
        store.switchTo(2);
        assertEquals(List.of(1L), store.prune(1));
        assertFalse(Files.exists(record), "a pruned release leaves no record behind");
    }

    @Test
    void fetchedFiles_areVerifiedAsTheirLastRangeArrives() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        // A manifest whose chunk ids match the bytes but whose SHA-256 of docs/deep/b.txt does not.
        Entry a = v1.get("docs/deep/b.txt");
        java.util.List<Entry> es = new java.util.ArrayList<>();
        for (Entry e : v1.entries()) {
            es.add(e.path().equals(a.path())
                    ? Entry.file(a.path(), a.mode(), a.mtimeNanos(), a.size(), Sha256.of(new byte[]{1}), a.chunks()) : e);
        }
        Manifest lie = new Manifest("site", 1, 0, 0, SMALL, es);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, lie, new ManifestCodec().encode(lie));
            b.prepareLocal();
            List<FetchRange> mine = b.pending().stream().filter(r -> r.path().equals(a.path())).toList();
            for (int i = 0; i < mine.size() - 1; i++) {
                b.accept(mine.get(i), read(o, mine.get(i))); // not complete yet: nothing to check
            }
            FetchRange last = mine.get(mine.size() - 1);
            StoreException e = assertThrows(StoreException.class, () -> b.accept(last, read(o, last)));
            assertTrue(e.getMessage().contains(a.path()) && e.getMessage().contains("SHA-256"), e.getMessage());
        }
        assertTrue(store.current().isEmpty());
    }

    @Test
    void fetchedFiles_arrivingInOrder_areHashedFromMemory_andOutOfOrderOnesReadBack() throws IOException {
        Path o = origin();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, new ManifestCodec().encode(v1), 16 * 1024);
            b.prepareLocal();
            List<FetchRange> big = b.pending().stream().filter(r -> r.path().equals("big.bin")).toList();
            assertTrue(big.size() > 2, "big.bin comes in several ranges: " + big);
            assertEquals(0, b.digestsUnderWay(), "no file holds a digest before its first range");
            for (FetchRange r : b.pending()) {
                if (!r.path().equals("big.bin")) {
                    b.accept(r, read(o, r)); // in order: every file verified without a read
                }
            }
            assertEquals(0, b.bytesReread());
            List<FetchRange> reversed = new java.util.ArrayList<>(big);
            java.util.Collections.reverse(reversed); // nothing contiguous until the first range lands
            for (FetchRange r : reversed) {
                b.accept(r, read(o, r));
                assertEquals(r == reversed.get(reversed.size() - 1) ? 0 : 1, b.digestsUnderWay(),
                        "only a file with ranges still to come holds a digest");
            }
            FetchRange first = big.get(0);
            assertEquals(v1.get("big.bin").size() - first.length(), b.bytesReread(),
                    "only the ranges that came early are read back");
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink());
    }

    @Test
    void coldSync_listsItsRangesWhileItsDirectoriesAreMade_andEachWriteWaitsForItsOwn() throws IOException {
        // 6,000 directories, made on a thread of their own; the files of the last one are written
        // first, at once, and with them an empty file, one ending in zeros (a hole) and a duplicate.
        Path o = tmp.resolve("origin");
        for (int i = 0; i < 3000; i++) {
            Files.createDirectories(o.resolve(String.format("d%04d/s", i)));
        }
        Path last = o.resolve("d2999/s");
        Files.writeString(last.resolve("f.txt"), text(new Random(5), 400));
        Files.createFile(last.resolve("empty"));
        byte[] zeros = new byte[60_000];
        for (int i = 0; i < 9_000; i++) {
            zeros[i] = (byte) (i * 31 + 7);
        }
        Files.write(last.resolve("zeros.bin"), zeros);
        Files.copy(last.resolve("f.txt"), o.resolve("d2998/s/copy.txt"));
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        ReleaseBuilder.FreshDirectories.beforeDirectory = path -> {
            if (path.equals("d1500")) {
                try {
                    go.await(); // the thread stops halfway down the tree until the test lets it go on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = startAndPrepare(store, v1);
            List<FetchRange> ranges = new java.util.ArrayList<>(b.pending());
            // (d2999/s/f.txt is filled at commit from its duplicate, the first in canonical order)
            assertEquals(List.of("d2998/s/copy.txt", "d2999/s/zeros.bin"),
                    ranges.stream().map(FetchRange::path).distinct().toList(), "every range is listed up front");
            assertFalse(Files.exists(theStaging(store).resolve("d1500")), "listed before the directories are made");
            java.util.Collections.reverse(ranges);
            java.util.concurrent.CompletableFuture<Void> writes = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    for (FetchRange r : ranges) {
                        b.accept(r, read(o, r));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThrows(java.util.concurrent.TimeoutException.class, () -> writes.get(300, TimeUnit.MILLISECONDS),
                    "a write into d2999/s waits for its directory");
            go.countDown();
            writes.join();
            b.commit(true);
        } finally {
            go.countDown();
            ReleaseBuilder.FreshDirectories.beforeDirectory = null;
        }
        assertTreeMatches(v1, store.currentLink());
        assertEquals(0, Files.size(store.currentLink().resolve("d2999/s/empty")));
    }

    @Test
    void coldSync_createsAFileFetchedWholeWhenItsFirstRangeArrives() throws IOException {
        Path o = origin();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = startAndPrepare(store, v1);
            Path staging = theStaging(store);
            assertFalse(Files.exists(staging.resolve("docs/a.txt")), "a file fetched whole waits for its bytes");
            FetchRange r = b.pending().stream().filter(x -> x.path().equals("docs/a.txt")).findFirst().orElseThrow();
            b.accept(r, read(o, r));
            assertTrue(Files.isRegularFile(staging.resolve("docs/a.txt"), LinkOption.NOFOLLOW_LINKS));
            for (FetchRange x : b.pending()) {
                if (x != r) {
                    b.accept(x, read(o, x));
                }
            }
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink());
    }

    @Test
    void aFileFetchedWhole_getsItsModeAndTimeFromItsWriter_aReadOnlyOneAtCommit() throws IOException {
        assertTrue(DescriptorMetadata.AVAILABLE, "sun.nio.ch or sun.nio.fs not opened: is --add-opens missing?");
        Path o = origin();
        Files.writeString(o.resolve("docs/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(o.resolve("docs/run.sh"), PosixFilePermissions.fromString("rwxr-x--x"));
        Files.setLastModifiedTime(o.resolve("docs/run.sh"), FileTime.from(
                java.time.Instant.parse("2021-03-04T05:06:07.123456789Z")));
        Files.writeString(o.resolve("docs/ro.txt"), "read only\n");
        Files.setPosixFilePermissions(o.resolve("docs/ro.txt"), PosixFilePermissions.fromString("r--r--r--"));
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = startAndPrepare(store, v1);
            Path staging = theStaging(store);
            for (FetchRange x : b.pending()) {
                b.accept(x, read(o, x));
            }
            // before the commit: the writer set the whole file's mode and time, to the nanosecond
            Path run = staging.resolve("docs/run.sh");
            assertEquals("rwxr-x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(run,
                    LinkOption.NOFOLLOW_LINKS)));
            assertEquals(java.time.Instant.parse("2021-03-04T05:06:07.123456789Z"),
                    Files.getLastModifiedTime(run, LinkOption.NOFOLLOW_LINKS).toInstant());
            // a mode that keeps its owner from writing waits for the commit (a refetch must write it)
            assertEquals("rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    staging.resolve("docs/ro.txt"), LinkOption.NOFOLLOW_LINKS)).substring(0, 3));
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink()); // every mode and time, set either way
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                store.currentLink().resolve("docs/ro.txt"))));
    }

    /**
     * A file fetched whole is created with its mode where the kernel keeps every bit of it (no
     * {@code fchmod} after); any other mode (one the umask would cut, a set-id bit) is set on the
     * descriptor as before. Either way each file ends up with exactly its mode.
     */
    @Test
    void aFileFetchedWhole_isCreatedWithItsMode_whereTheKernelKeepsItWhole() throws IOException {
        Path o = origin();
        int[] modes = {0644, 0755, 0600, 0640, 0700, 0664, 0666, 0777, 0620, 04755, 02775, 01777};
        for (int m : modes) {
            Path f = o.resolve("modes/m" + Integer.toOctalString(m));
            Files.createDirectories(f.getParent());
            Files.writeString(f, "mode " + Integer.toOctalString(m) + "\n");
            Files.setAttribute(f, "unix:mode", m);
        }
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = startAndPrepare(store, v1);
            Path staging = theStaging(store);
            int mask = CreationMode.mask(staging.getParent());
            assertNotEquals(CreationMode.UNKNOWN, mask);
            long expected = 0;
            for (FetchRange x : b.pending()) {
                Entry e = v1.entries().get(v1.indexOf(x.path()));
                if (x.offset() == 0 && x.length() == e.size() && (e.mode() & 0600) == 0600
                        && CreationMode.exact(e.mode(), mask)) {
                    expected++;
                }
                b.accept(x, read(o, x));
            }
            assertTrue(expected >= 5, "0644, 0755, 0600, 0640 and 0700 keep their bits under any usual umask: "
                    + expected);
            assertEquals(expected, b.filesCreatedWithMode());
            for (int m : modes) { // before the commit: set by the writer, at creation or after it
                Path f = staging.resolve("modes/m" + Integer.toOctalString(m));
                assertEquals(Integer.toOctalString(m), Integer.toOctalString(
                        (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777), f.toString());
            }
            b.commit(true);
        }
        assertTreeMatches(v1, store.currentLink());
        try (var s = Files.list(store.stagingRoot())) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".mode-probe"))
                    .map(Path::toString).toList(), "the probe is deleted");
        }
    }

    @Test
    void aModeIsGivenAtCreation_onlyWhenTheMaskKeepsAllOfIt() {
        assertTrue(CreationMode.exact(0644, 0755));
        assertTrue(CreationMode.exact(0755, 0755));
        assertTrue(CreationMode.exact(0600, 0700));
        assertFalse(CreationMode.exact(0664, 0755), "the umask 022 takes the group's write");
        assertFalse(CreationMode.exact(0640, 0700), "an umask of 077 takes the group's read");
        assertFalse(CreationMode.exact(04755, 0777), "a set-id bit is set after");
        assertFalse(CreationMode.exact(01777, 0777), "and the sticky bit");
        assertFalse(CreationMode.exact(0644, CreationMode.UNKNOWN), "no mask known");
        assertEquals(CreationMode.UNKNOWN, CreationMode.mask(tmp.resolve("no-such-dir")));
    }

    /** A tree with one file big enough to be hashed progressively, and v2 with edits spread through it. */
    private Manifest[] bigFileVersions(Path o) throws IOException {
        Files.createDirectories(o);
        Random r = new Random(21);
        byte[] big = new byte[(int) ReleaseBuilder.PROGRESSIVE_MIN_BYTES + 777_777];
        r.nextBytes(big);
        Files.write(o.resolve("big.img"), big);
        Manifest v1 = scan(o, 1);
        for (int i = 1; i <= 6; i++) { // six edits: ranges to fetch between stretches copied locally
            int at = big.length / 7 * i;
            for (int k = 0; k < 40; k++) {
                big[at + k] ^= 0x5a;
            }
        }
        Files.write(o.resolve("big.img"), big);
        return new Manifest[]{v1, scan(o, 2)};
    }

    @Test
    void bigFile_isHashedWhileItsRangesArrive_inAnyOrder() throws IOException {
        Path o = tmp.resolve("origin");
        Path stash = tmp.resolve("v1.img");
        Files.createDirectories(o);
        Manifest[] v = bigFileVersions(o);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        // v1 from the bytes v1 had: rebuild them by undoing the edits from a copy
        byte[] now = Files.readAllBytes(o.resolve("big.img"));
        for (int i = 1; i <= 6; i++) {
            int at = now.length / 7 * i;
            for (int k = 0; k < 40; k++) {
                now[at + k] ^= 0x5a;
            }
        }
        Files.write(stash, now);
        Path v1src = Files.createDirectories(tmp.resolve("v1src"));
        Files.copy(stash, v1src.resolve("big.img"));
        sync(store, v[0], v1src);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v[1], new ManifestCodec().encode(v[1]));
            b.prepareLocal();
            List<FetchRange> ranges = new java.util.ArrayList<>(b.pending());
            assertTrue(ranges.size() >= 3, "edits spread through the file: " + ranges);
            java.util.Collections.reverse(ranges); // the last range first: nothing contiguous until the end
            for (FetchRange r : ranges) {
                b.accept(r, read(o, r));
            }
            b.commit(true);
        }
        assertTreeMatches(v[1], store.currentLink());
    }

    /** v1 of {@link #bigFileVersions}: the edits undone. */
    private static Path bigFileV1(Path o, Path dir) throws IOException {
        byte[] old = Files.readAllBytes(o.resolve("big.img"));
        for (int i = 1; i <= 6; i++) {
            int at = old.length / 7 * i;
            for (int k = 0; k < 40; k++) {
                old[at + k] ^= 0x5a;
            }
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("big.img"), old);
        return dir;
    }

    /** A store holding v1 of {@link #bigFileVersions}, the origin's tree at v2, and both manifests. */
    private record BigFile(Path origin, Manifest[] versions, DatasetStore store) {
        ReleaseBuilder startV2() throws IOException {
            return ReleaseBuilder.start(store, versions[1], new ManifestCodec().encode(versions[1]));
        }
    }

    private BigFile bigFileAtV1() throws IOException {
        Path o = tmp.resolve("origin");
        Manifest[] v = bigFileVersions(o);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        sync(store, v[0], bigFileV1(o, tmp.resolve("v1src")));
        return new BigFile(o, v, store);
    }

    @Test
    void bigFile_localCopiesDeferred_areMadeWhileItsRangesArrive() throws Exception {
        BigFile bf = bigFileAtV1();
        Path o = bf.origin();
        Manifest[] v = bf.versions();
        DatasetStore store = bf.store();
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = bf.startV2();
            b.prepareLocal(true);
            List<FetchRange> ranges = new java.util.ArrayList<>(b.pending());
            assertTrue(ranges.size() >= 3, "edits spread through the file: " + ranges);
            Path staged = theStaging(store).resolve("big.img");
            assertFalse(Files.exists(staged, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "nothing copied yet: the copies (and the file) wait for startLocalCopies");
            b.startLocalCopies();
            java.util.Collections.reverse(ranges);
            for (FetchRange r : ranges) { // on this thread while the copies go on on another
                b.accept(r, read(o, r));
            }
            b.awaitLocalCopies();
            assertEquals(v[1].get("big.img").size(), Files.size(staged));
            b.commit(true);
        }
        assertTreeMatches(v[1], store.currentLink());
        assertEquals(2, store.current().getAsLong());
    }

    @Test
    void bigFile_rangesInBeforeTheLocalCopies_onlyTheRangesAreReadBackToHash() throws Exception {
        BigFile bf = bigFileAtV1();
        try (DatasetStore.Lock l = bf.store().lock()) {
            ReleaseBuilder b = bf.startV2();
            b.prepareLocal(true);
            long fetched = 0;
            for (FetchRange r : List.copyOf(b.pending())) { // all in before any copy: each copy finds them recorded
                b.accept(r, read(bf.origin(), r));
                fetched += r.length();
            }
            b.startLocalCopies();
            b.awaitLocalCopies();
            assertEquals(fetched, b.bytesReread(),
                    "the copied pieces were hashed from memory as they were copied; only the ranges were read back");
            b.commit(true);
        }
        assertTreeMatches(bf.versions()[1], bf.store().currentLink());
    }

    /** A store holding v1 of {@link #smallFileVersions}, and the origin's tree and manifest at v2. */
    private record SmallFiles(Path origin, Manifest v2, DatasetStore store) {
        ReleaseBuilder startV2() throws IOException {
            return ReleaseBuilder.start(store, v2, new ManifestCodec().encode(v2));
        }
    }

    private SmallFiles smallFilesAtV1(int files) throws IOException {
        Path o = tmp.resolve("origin");
        Manifest[] v = smallFileVersions(o, tmp.resolve("v1src"), files);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        sync(store, v[0], tmp.resolve("v1src"));
        return new SmallFiles(o, v[1], store);
    }

    /** {@code files} small text files, and v2 with a line inserted in the middle of each (copies and a range per file). */
    private Manifest[] smallFileVersions(Path o, Path v1src, int files) throws IOException {
        Random r = new Random(33);
        Files.createDirectories(o.resolve("src"));
        for (int i = 0; i < files; i++) {
            Files.writeString(o.resolve("src/f" + i + ".c"), text(r, 400 + 20 * (i % 20))); // 10-20 KB
        }
        Manifest v1 = scan(o, 1);
        Files.createDirectories(v1src.resolve("src"));
        for (int i = 0; i < files; i++) {
            Files.copy(o.resolve("src/f" + i + ".c"), v1src.resolve("src/f" + i + ".c"));
        }
        for (int i = 0; i < files; i++) {
            Path f = o.resolve("src/f" + i + ".c");
            String t = Files.readString(f);
            int mid = t.length() / 2;
            Files.writeString(f, t.substring(0, mid) + "\ninserted line " + i + "\n" + t.substring(mid));
        }
        return new Manifest[]{v1, scan(o, 2)};
    }

    @ParameterizedTest(name = "{0} files")
    @ValueSource(ints = {20, 100}) // one copier, and two (ReleaseBuilder.FILES_FOR_TWO_COPIERS)
    void smallFiles_localCopiesDeferred_areMadeWhileTheirRangesArrive(int files) throws Exception {
        SmallFiles sf = smallFilesAtV1(files);
        try (DatasetStore.Lock l = sf.store().lock()) {
            ReleaseBuilder b = sf.startV2();
            b.prepareLocal(true);
            List<FetchRange> ranges = new java.util.ArrayList<>(b.pending());
            assertEquals(files, ranges.stream().map(FetchRange::path).distinct().count(), "a range in each file");
            Path staging;
            try (java.util.stream.Stream<Path> st = Files.list(sf.store().stagingRoot())) {
                staging = st.findFirst().orElseThrow();
            }
            for (int i = 0; i < files; i++) {
                assertFalse(Files.exists(staging.resolve("src/f" + i + ".c"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                        "f" + i + ": nothing copied before startLocalCopies");
            }
            long fetchedBytes = ranges.stream().mapToLong(FetchRange::length).sum();
            assertTrue(fetchedBytes < sf.v2().totalBytes() / 2,
                    "most bytes come from the local copies: " + fetchedBytes);
            b.startLocalCopies();
            assertEquals(files >= ReleaseBuilder.FILES_FOR_TWO_COPIERS ? 2 : 1, b.copierThreads());
            java.util.Collections.reverse(ranges);
            for (FetchRange r : ranges) { // on this thread while the copies go on on others
                b.accept(r, read(sf.origin(), r));
            }
            b.commit(true);
        }
        assertTreeMatches(sf.v2(), sf.store().currentLink());
        assertEquals(2, sf.store().current().getAsLong());
    }

    @ParameterizedTest(name = "{0} files")
    @ValueSource(ints = {20, 100})
    void smallFiles_deferredCopyOfADamagedLocalFile_failsItsSha256_andCurrentStays(int files) throws Exception {
        SmallFiles sf = smallFilesAtV1(files);
        Path f = sf.store().releaseDir(1).resolve("src/f7.c");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{'#'}), 100); // before the inserted line: a local copy
        }
        try (DatasetStore.Lock l = sf.store().lock()) {
            ReleaseBuilder b = sf.startV2();
            b.prepareLocal(true);
            b.startLocalCopies();
            StoreException e = assertThrows(StoreException.class, () -> {
                for (FetchRange r : b.pending()) {
                    b.accept(r, read(sf.origin(), r));
                }
                b.commit(true);
            });
            assertTrue(e.getMessage().contains("f7.c") && e.getMessage().contains("SHA-256"), e.getMessage());
            b.abandonLocalCopies();
        }
        assertEquals(1, sf.store().current().getAsLong());
        assertFalse(Files.exists(sf.store().releaseDir(2)));
    }

    @Test
    void bigFile_deferredCopyOfADamagedLocalFile_failsItsSha256_andCurrentStays() throws Exception {
        BigFile bf = bigFileAtV1();
        Path f = bf.store().releaseDir(1).resolve("big.img");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{42}), 1000);
        }
        try (DatasetStore.Lock l = bf.store().lock()) {
            ReleaseBuilder b = bf.startV2();
            b.prepareLocal(true);
            b.startLocalCopies();
            StoreException e = assertThrows(StoreException.class, () -> {
                for (FetchRange r : b.pending()) {
                    b.accept(r, read(bf.origin(), r)); // the last one in, copies or range, finds the mismatch
                }
                b.commit(true);
            });
            assertTrue(e.getMessage().contains("big.img") && e.getMessage().contains("SHA-256"), e.getMessage());
            b.abandonLocalCopies();
        }
        assertEquals(1, bf.store().current().getAsLong());
        assertFalse(Files.exists(bf.store().releaseDir(2)));
    }

    @Test
    void bigFile_withADamagedLocalCopy_failsItsSha256_andCurrentStays() throws IOException {
        Path o = tmp.resolve("origin");
        Files.createDirectories(o);
        Path v1src = Files.createDirectories(tmp.resolve("v1src"));
        Manifest[] v = bigFileVersions(o);
        byte[] old = Files.readAllBytes(o.resolve("big.img"));
        for (int i = 1; i <= 6; i++) {
            int at = old.length / 7 * i;
            for (int k = 0; k < 40; k++) {
                old[at + k] ^= 0x5a;
            }
        }
        Files.write(v1src.resolve("big.img"), old);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        sync(store, v[0], v1src);
        // bit rot in the committed v1 file, in a stretch v2 copies locally (chunk ids are not re-read)
        Path f = store.releaseDir(1).resolve("big.img");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{42}), 1000);
        }
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v[1], new ManifestCodec().encode(v[1]));
            b.prepareLocal();
            List<FetchRange> ranges = b.pending();
            for (int i = 0; i < ranges.size() - 1; i++) {
                b.accept(ranges.get(i), read(o, ranges.get(i)));
            }
            FetchRange last = ranges.get(ranges.size() - 1);
            StoreException e = assertThrows(StoreException.class, () -> b.accept(last, read(o, last)));
            assertTrue(e.getMessage().contains("big.img") && e.getMessage().contains("SHA-256"), e.getMessage());
        }
        assertEquals(1, store.current().getAsLong());
    }

    @Test
    void resume_neverWritesThroughAHardLinkIntoACommittedRelease() throws IOException {
        Path o = origin();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        sync(store, v1, o);
        Path committed = store.releaseDir(1).resolve("docs/deep/b.txt");
        byte[] before = Files.readAllBytes(committed);

        String b = Files.readString(o.resolve("docs/deep/b.txt"));
        Files.writeString(o.resolve("docs/deep/b.txt"), "CHANGED\n" + b);
        Manifest v2 = scan(o, 2);
        byte[] enc = new ManifestCodec().encode(v2);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder first = ReleaseBuilder.start(store, v2, enc);
            first.prepareLocal(); // then the process "dies"
        }
        // A leftover that is a hard link to v1's file where v2 needs new content (as a previous
        // attempt planned against another current could leave): it must be replaced, not written.
        Path staged;
        try (var dirs = Files.list(tmp.resolve("data/site/.delta/staging"))) {
            staged = dirs.findFirst().orElseThrow().resolve("docs/deep/b.txt");
        }
        Files.delete(staged);
        Files.createLink(staged, committed);
        sync(store, v2, o);

        assertArrayEquals(before, Files.readAllBytes(committed), "v1's file is untouched");
        assertTreeMatches(v1, store.releaseDir(1));
        assertTreeMatches(v2, store.currentLink());
    }

    @Test
    void lock_isExclusive() throws IOException {
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        try (DatasetStore.Lock l = store.lock()) {
            assertThrows(StoreException.class, store::lock);
        }
        store.lock().close();
    }
}
