package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.Segment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs of zeros (a disk image's free space, a preallocated file, padding) are neither fetched nor
 * written: the built file has holes there, and reads exactly as the source does.
 */
class SparseFilesTest {
    private static final ChunkerParams PARAMS = ChunkerParams.REPLICATION;
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /**
     * image.bin: 256 KiB of data, 6 MiB of zeros, 128 KiB of data, 3 MiB of zeros to the end;
     * blank.bin: 2 MiB + 100 bytes of zeros; plain.txt: text.
     */
    private Path source() throws IOException {
        Path o = Files.createDirectories(tmp.resolve("origin"));
        Random r = new Random(5);
        byte[] a = new byte[256 * 1024];
        r.nextBytes(a);
        byte[] b = new byte[128 * 1024];
        r.nextBytes(b);
        try (FileChannel ch = FileChannel.open(o.resolve("image.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(a), 0);
            ch.write(ByteBuffer.wrap(b), a.length + 6L * MIB);
            ch.write(ByteBuffer.allocate(1), a.length + 6L * MIB + b.length + 3L * MIB - 1); // zeros to the end
        }
        Files.write(o.resolve("blank.bin"), new byte[2 * MIB + 100]);
        Files.writeString(o.resolve("plain.txt"), "some text that is not zeros\n".repeat(500));
        return o;
    }

    private static Manifest scan(Path dir, long version) throws IOException {
        return Builds.scan(dir, version, PARAMS);
    }

    private static ByteBuffer read(Path source, FetchRange r) throws IOException {
        return Builds.read(source, r);
    }

    /** Bytes the file system allocated for {@code p} ({@code stat}'s blocks times block size). */
    static long allocated(Path p) throws IOException, InterruptedException {
        Process s = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).redirectErrorStream(true).start();
        String[] out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(0, s.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    @Test
    void runsOfZeros_areLeftAsHoles_neitherFetchedNorWritten() throws Exception {
        Path o = source();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        long fetched = 0;
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, new ManifestCodec().encode(v1));
            long zeros = b.plan().bytesZero();
            // every zero byte but those in chunks that hold data too (at most a chunk on each side of a run)
            assertTrue(zeros >= 9L * MIB + 2 * MIB - 4 * PARAMS.max() && zeros <= 11L * MIB + 100, "zeros " + zeros);
            FilePlan blank = b.plan().files().stream().filter(f -> f.path().equals("blank.bin")).findFirst().orElseThrow();
            assertEquals(List.of(Segment.Kind.ZERO), blank.segments().stream().map(Segment::kind).toList(),
                    "a file of zeros is one hole, its shorter last chunk included");
            FilePlan image = b.plan().files().stream().filter(f -> f.path().equals("image.bin")).findFirst().orElseThrow();
            assertEquals(Segment.Kind.ZERO, image.segments().get(image.segments().size() - 1).kind());
            FilePlan plain = b.plan().files().stream().filter(f -> f.path().equals("plain.txt")).findFirst().orElseThrow();
            assertTrue(plain.segments().stream().noneMatch(s -> s.kind() == Segment.Kind.ZERO));

            b.prepareLocal();
            for (FetchRange r : b.pending()) {
                b.accept(r, read(o, r));
                fetched += r.length();
            }
            b.commit(true);
            assertEquals(v1.totalBytes() - zeros, fetched, "the zeros are not fetched");
        }
        Path image = store.currentLink().resolve("image.bin");
        assertEquals(Files.size(o.resolve("image.bin")), Files.size(image));
        assertTrue(allocated(image) < 1 * MIB, "image.bin takes " + allocated(image) + " bytes on disk");
        assertTrue(allocated(store.currentLink().resolve("blank.bin")) < 64 * 1024);
        Builds.assertTreeMatches(v1, store.currentLink(), PARAMS);
    }

    /**
     * A build cut short leaves staging behind, and something other than zeros where the new file
     * has a hole (bytes an older build wrote, say): the resumed build clears it, so the file
     * verifies and commits.
     */
    @Test
    void aResumedBuild_clearsWhateverStagingHoldsWhereZerosGo() throws Exception {
        Path o = source();
        Manifest v1 = scan(o, 1);
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        byte[] enc = new ManifestCodec().encode(v1);
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, enc);
            b.prepareLocal();
            List<FetchRange> ranges = b.pending();
            b.accept(ranges.get(0), read(o, ranges.get(0)));
        }
        Path staged;
        try (var s = Files.list(store.stagingRoot())) {
            staged = s.findFirst().orElseThrow().resolve("image.bin");
        }
        try (FileChannel ch = FileChannel.open(staged, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("not zeros".getBytes(StandardCharsets.UTF_8)), 3L * MIB);
        }
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, v1, enc);
            b.prepareLocal();
            for (FetchRange r : b.pending()) {
                b.accept(r, read(o, r));
            }
            b.commit(true);
        }
        Builds.assertTreeMatches(v1, store.currentLink(), PARAMS);
    }

    /**
     * A sparse file whose time alone changed gets an inode of its own in the new release (the old
     * one is shared by hard links): a copy that keeps its holes.
     */
    @Test
    void aSparseFileWhoseTimeChanged_staysSparseInTheNewRelease() throws Exception {
        Path o = source();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Builds.build(store, scan(o, 1), o);
        Files.setLastModifiedTime(o.resolve("image.bin"), java.nio.file.attribute.FileTime.fromMillis(1_500_000_000_000L));
        Files.setLastModifiedTime(o.resolve("blank.bin"), java.nio.file.attribute.FileTime.fromMillis(1_500_000_000_000L));
        Manifest v2 = scan(o, 2);
        assertEquals(0, Builds.build(store, v2, o), "nothing fetched for a change of time");
        for (String f : new String[] {"image.bin", "blank.bin"}) {
            Path p = store.currentLink().resolve(f);
            assertEquals(Files.size(o.resolve(f)), Files.size(p));
            assertTrue(allocated(p) < 1 * MIB, f + " takes " + allocated(p) + " bytes on disk");
        }
        Builds.assertTreeMatches(v2, store.currentLink(), PARAMS);
    }

    /** An update that fills part of a hole fetches just that part, and the rest stays a hole. */
    @Test
    void anUpdateWritingIntoAHole_fetchesOnlyTheNewData() throws Exception {
        Path o = source();
        DatasetStore store = DatasetStore.open(tmp.resolve("data"), "site");
        Manifest v1 = scan(o, 1);
        Builds.build(store, v1, o);
        byte[] c = new byte[64 * 1024];
        new Random(9).nextBytes(c);
        try (FileChannel ch = FileChannel.open(o.resolve("image.bin"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(c), 2L * MIB);
        }
        Manifest v2 = scan(o, 2);
        long fetched = Builds.build(store, v2, o);
        assertTrue(fetched >= c.length && fetched <= c.length + 2L * PARAMS.max(), "fetched " + fetched);
        Path image = store.currentLink().resolve("image.bin");
        assertTrue(allocated(image) < 1 * MIB, "image.bin takes " + allocated(image) + " bytes on disk");
        Builds.assertTreeMatches(v2, store.currentLink(), PARAMS);
    }

}
