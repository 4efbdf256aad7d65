package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A big file made anew is written over the spare file, and the release is exactly the target. */
class ReleaseSpareTest {
    /** Big chunks: these trees hold files of 70 MiB and more. */
    private static final ChunkerParams BIG = new ChunkerParams(16 * 1024, 64 * 1024, 256 * 1024, 2);
    private static final int SIZE = 70 << 20;

    @TempDir
    Path tmp;

    private static Manifest scan(Path dir, long version) throws IOException {
        return Builds.scan(dir, version, BIG);
    }

    /** A file like a packed release: random members, with a megabyte of zeros when {@code zeros}. */
    private static byte[] v1Bytes(boolean zeros) {
        byte[] b = new byte[SIZE];
        new Random(7).nextBytes(b);
        if (zeros) {
            java.util.Arrays.fill(b, SIZE / 3, SIZE / 3 + (1 << 20), (byte) 0);
        }
        return b;
    }

    /** v2: bytes inserted near the start (everything after them moves), an edit near the end. */
    private static byte[] v2Bytes(byte[] v1) {
        byte[] ins = new byte[5_000];
        new Random(8).nextBytes(ins);
        int at = 1 << 20;
        byte[] b = new byte[v1.length + ins.length];
        System.arraycopy(v1, 0, b, 0, at);
        System.arraycopy(ins, 0, b, at, ins.length);
        System.arraycopy(v1, at, b, at + ins.length, v1.length - at);
        for (int k = 0; k < 300; k++) {
            b[b.length - (4 << 20) + k] ^= 0x3c;
        }
        return b;
    }

    private record Versions(DatasetStore store, Path origin, Manifest v1, Manifest v2) {
    }

    /** A store at v1 (big.img, small.txt) and the origin's tree at v2. */
    private Versions atV1(boolean zeros) throws IOException {
        byte[] v1 = v1Bytes(zeros);
        Path src1 = Files.createDirectories(tmp.resolve("src1"));
        Files.write(src1.resolve("big.img"), v1);
        Files.writeString(src1.resolve("small.txt"), "small\n");
        Path o = Files.createDirectories(tmp.resolve("origin"));
        Files.write(o.resolve("big.img"), v2Bytes(v1));
        Files.writeString(o.resolve("small.txt"), "small\n");
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest m1 = scan(src1, 1);
        Builds.build(store, m1, src1);
        return new Versions(store, o, m1, scan(o, 2));
    }

    /** Fills the spare with bytes no release has, so that any byte the build leaves unwritten shows. */
    private static void fillWithJunk(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ByteBuffer junk = ByteBuffer.allocate(1 << 20);
            while (junk.hasRemaining()) {
                junk.put((byte) 0xa5);
            }
            for (long at = 0; at < ch.size(); at += junk.capacity()) {
                junk.clear().limit((int) Math.min(junk.capacity(), ch.size() - at));
                ch.write(junk, at);
            }
        }
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @ParameterizedTest(name = "zeros in v2: {0}, copies deferred: {1}, spare shorter: {2}")
    @CsvSource({"false, true, false", "false, false, false", "true, false, false", "true, true, false",
            "false, true, true", "true, false, true"})
    void update_writesTheBigFileOverTheSpare_andTheReleaseIsExactlyTheTarget(boolean zeros, boolean defer,
                                                                            boolean shorter) throws IOException {
        Versions v = atV1(zeros);
        DatasetStore store = v.store();
        try (DatasetStore.Lock l = store.lock()) {
            assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v1(), () -> false));
            assertEquals(ReleaseSpare.Outcome.READY, ReleaseSpare.prepare(store, v.v1(), () -> false));
        }
        Path spare = ReleaseSpare.file(store);
        assertEquals(ReleaseSpare.wanted(v.v1()), Files.size(spare));
        assertTrue(Files.size(spare) > v.v2().get("big.img").size(), "room for growth");
        if (shorter) { // a spare smaller than the new file: the rest of it is written into new pages
            try (FileChannel ch = FileChannel.open(spare, StandardOpenOption.WRITE)) {
                ch.truncate(SIZE / 2);
            }
        }
        fillWithJunk(spare);
        Object spareInode = inode(spare);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v.v2(), new ManifestCodec().encode(v.v2()));
            b.prepareLocal(defer);
            assertFalse(Files.exists(spare, LinkOption.NOFOLLOW_LINKS), "taken by the build");
            List<FetchRange> ranges = new ArrayList<>(b.pending());
            assertFalse(ranges.isEmpty());
            b.startLocalCopies();
            Collections.reverse(ranges); // out of order: nothing contiguous until the end
            for (FetchRange r : ranges) {
                b.accept(r, Builds.read(v.origin(), r));
            }
            b.awaitLocalCopies();
            b.commit(true);
        }
        Path big = store.currentLink().resolve("big.img");
        assertEquals(spareInode, inode(big), "the spare became v2's big.img");
        assertEquals(v.v2().get("big.img").size(), Files.size(big));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(v.origin().resolve("big.img")),
                Files.readAllBytes(big)), "v2's big.img, byte for byte");
        Builds.assertTreeMatches(v.v2(), store.currentLink(), BIG);
        assertNotEquals(inode(store.releaseDir(1).resolve("big.img")), inode(big), "v1 stays as it was");
        Builds.assertTreeMatches(v.v1(), store.releaseDir(1), BIG);
    }

    @Test
    void withoutASpare_theBigFileIsANewFile_andASmallFileNeverTakesTheSpare() throws IOException {
        Versions v = atV1(false);
        DatasetStore store = v.store();
        Builds.build(store, v.v2(), v.origin());
        Builds.assertTreeMatches(v.v2(), store.currentLink(), BIG);
        // a spare is there, but only small.txt changes: it stays
        Path o = v.origin();
        Files.writeString(o.resolve("small.txt"), "changed\n");
        Manifest v3 = scan(o, 3);
        try (DatasetStore.Lock l = store.lock()) {
            assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v2(), () -> false));
        }
        long size = ReleaseSpare.size(store);
        Builds.build(store, v3, o);
        assertEquals(size, ReleaseSpare.size(store), "a small file made anew does not take the spare");
        Builds.assertTreeMatches(v3, store.currentLink(), BIG);
    }

    @Test
    void aBigFileThatIsMostlyZeros_isANewSparseFile_andLeavesTheSpare() throws Exception {
        Versions v = atV1(false);
        DatasetStore store = v.store();
        try (DatasetStore.Lock l = store.lock()) {
            assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v1(), () -> false));
        }
        long spare = ReleaseSpare.size(store);
        Path o = v.origin();
        Files.copy(tmp.resolve("src1/big.img"), o.resolve("big.img"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(o.resolve("big.img"), Files.getLastModifiedTime(store.releaseDir(1).resolve("big.img")));
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(o.resolve("blank.img").toFile(), "rw")) {
            f.setLength(SIZE); // a preallocated image: all zeros
            f.write("a header".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Manifest v2 = scan(o, 2);
        Builds.build(store, v2, o);
        Builds.assertTreeMatches(v2, store.currentLink(), BIG);
        assertTrue(SparseFilesTest.allocated(store.currentLink().resolve("blank.img")) < 1 << 20,
                "its zeros stay holes");
        assertEquals(spare, ReleaseSpare.size(store), "the spare is left for a file it helps");
    }

    @Test
    void prepare_stopsCleanly_removesASpareNoLongerWanted_andIsOffWhenSwitchedOff() throws IOException {
        Versions v = atV1(false);
        DatasetStore store = v.store();
        Path root = ReleaseSpare.root(store);
        try (DatasetStore.Lock l = store.lock()) {
            assertEquals(ReleaseSpare.Outcome.STOPPED, ReleaseSpare.prepare(store, v.v1(), () -> true));
            try (var s = Files.list(root)) {
                assertEquals(List.of(), s.toList(), "nothing half-written is left");
            }
            System.setProperty("delta.spare", "false");
            try {
                assertEquals(ReleaseSpare.Outcome.OFF, ReleaseSpare.prepare(store, v.v1(), () -> false));
                assertEquals(0, ReleaseSpare.size(store));
            } finally {
                System.clearProperty("delta.spare");
            }
            Files.writeString(root.resolve("partial"), "a write a crash cut short");
            assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v1(), () -> false));
            assertFalse(Files.exists(root.resolve("partial")), "a crash's partial spare is removed");
            Path small = Files.createDirectories(tmp.resolve("small"));
            Files.writeString(small.resolve("a.txt"), "a\n");
            Manifest onlySmall = scan(small, 9);
            assertEquals(ReleaseSpare.Outcome.NOT_WANTED, ReleaseSpare.prepare(store, onlySmall, () -> false));
            assertEquals(0, ReleaseSpare.size(store), "a release with no big file wants no spare");
        }
    }

    @Test
    void aPrunedReleasesBigFile_isNeverTheSpare_soAReaderHoldingItOpenKeepsItsBytes() throws IOException {
        Versions v = atV1(false);
        DatasetStore store = v.store();
        Path o = v.origin();
        byte[] v1 = Files.readAllBytes(store.releaseDir(1).resolve("big.img"));
        try (FileChannel reader = FileChannel.open(store.releaseDir(1).resolve("big.img"))) { // a download, say
            Builds.build(store, v.v2(), o);
            try (DatasetStore.Lock l = store.lock()) {
                assertEquals(List.of(1L), store.prune(1));
                assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v2(), () -> false));
            }
            Object spare = inode(ReleaseSpare.file(store));
            Files.write(o.resolve("big.img"), v2Bytes(Files.readAllBytes(o.resolve("big.img"))));
            Manifest v3 = scan(o, 3);
            Builds.build(store, v3, o);
            assertEquals(spare, inode(store.currentLink().resolve("big.img")), "v3's big.img is the spare written");
            Builds.assertTreeMatches(v3, store.currentLink(), BIG);
            ByteBuffer all = ByteBuffer.allocate(v1.length);
            while (all.hasRemaining() && reader.read(all, all.position()) >= 0) {
                // read what the reader opened at v1
            }
            assertTrue(java.util.Arrays.equals(v1, all.array()), "the pruned v1 file's reader still sees v1's bytes");
        }
    }

    @Test
    void aSpareTooBig_isCut_offRemovesIt_andASymlinkInItsPlaceIsRemovedNotFollowed() throws IOException {
        Versions v = atV1(false);
        DatasetStore store = v.store();
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("keep.txt"), "not the node's");
        Path root = ReleaseSpare.root(store);
        Files.createDirectories(root.getParent());
        Files.createSymbolicLink(root, elsewhere);
        try (DatasetStore.Lock l = store.lock()) {
            assertEquals(ReleaseSpare.Outcome.WRITTEN, ReleaseSpare.prepare(store, v.v1(), () -> false));
            assertTrue(Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS), "a directory of its own now");
            assertEquals("not the node's", Files.readString(elsewhere.resolve("keep.txt")));
            assertEquals(List.of(elsewhere.resolve("keep.txt")), Files.list(elsewhere).toList());
            // the release's biggest file shrinks (70 to 65 MiB): the spare is cut to what it wants now
            Path half = Files.createDirectories(tmp.resolve("half"));
            Files.write(half.resolve("big.img"), java.util.Arrays.copyOf(v1Bytes(false), 65 << 20));
            Manifest smaller = scan(half, 5);
            assertEquals(ReleaseSpare.Outcome.READY, ReleaseSpare.prepare(store, smaller, () -> false));
            assertTrue(ReleaseSpare.wanted(smaller) < ReleaseSpare.wanted(v.v1()));
            assertEquals(ReleaseSpare.wanted(smaller), ReleaseSpare.size(store));
            System.setProperty("delta.spare", "false");
            try {
                assertEquals(ReleaseSpare.Outcome.OFF, ReleaseSpare.prepare(store, v.v1(), () -> false));
                assertEquals(0, ReleaseSpare.size(store), "switched off: the spare there was is removed");
            } finally {
                System.clearProperty("delta.spare");
            }
        }
    }
}
