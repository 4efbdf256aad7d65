package dev.delta.node.origin;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.FileGroups;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.release.ManifestEnvelope;
import dev.delta.node.release.ReleaseService;
import dev.delta.node.release.ServingLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who packs the groups of small files of a new release, and when (publish or a serving, idle node). */
class GroupPackingTest {
    @TempDir
    Path tmp;

    /** 120 small text files in {@code dir}: several groups. */
    private static void smallFiles(Path root, String dir, long seed) throws IOException {
        Random r = new Random(seed);
        Files.createDirectories(root.resolve(dir));
        for (int i = 0; i < 120; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < 2000 + r.nextInt(3000)) {
                sb.append("line ").append(r.nextInt(1000)).append(" of ").append(dir).append('\n');
            }
            Files.writeString(root.resolve(dir + "/f" + i + ".txt"), sb);
        }
    }

    private static void age(Path root) throws IOException {
        try (var st = Files.walk(root)) {
            for (Path p : st.toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_000L));
            }
        }
    }

    /** The groups of the current release: which are packed, which are not, as "path-of-first-file" lists. */
    private record Packed(List<String> packed, List<String> missing) {
    }

    private static Packed packed(Path data, String dataset) throws IOException {
        DatasetStore s = DatasetStore.open(data, dataset);
        Manifest m = s.manifest(s.current().getAsLong());
        List<String> yes = new ArrayList<>();
        List<String> no = new ArrayList<>();
        for (int[] g : FileGroups.of(m)) {
            Path f = s.root().resolve(".delta/lz4/" + Sha256.hex(FileGroups.key(m, g)) + ".lz4b");
            (Files.exists(f) ? yes : no).add(m.entries().get(g[0]).path());
        }
        return new Packed(yes, no);
    }

    /** Whether the current release's file at {@code path} has a packed copy. */
    private static boolean contentPacked(Path data, String dataset, String path) throws IOException {
        DatasetStore s = DatasetStore.open(data, dataset);
        Manifest m = s.manifest(s.current().getAsLong());
        return Files.exists(s.root().resolve(".delta/lz4/" + Sha256.hex(m.get(path).sha256()) + ".lz4b"));
    }

    /** A text file of about {@code bytes}: bigger than a group's files. */
    private static void bigFile(Path f, long seed, int bytes) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < bytes) {
            sb.append("record ").append(r.nextInt(100_000)).append(' ').append(r.nextInt(100_000)).append('\n');
        }
        Files.createDirectories(f.getParent());
        Files.writeString(f, sb);
    }

    @Test
    void publishWithAServingNode_packsGroupsOfNewPaths_leavesTheChangedOnesToTheNode() throws IOException {
        Path src = tmp.resolve("src");
        smallFiles(src, "a", 1);
        bigFile(src.resolve("big/data.txt"), 1, 300_000);
        age(src);
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site");
        p.publish(src);
        assertTrue(packed(data, "site").missing().isEmpty(), "a first release packs every group before its switch");
        assertTrue(contentPacked(data, "site", "big/data.txt"));

        DatasetStore store = DatasetStore.open(data, "site");
        ServingLock lock = ServingLock.tryAcquire(store.root());
        assertNotNull(lock);
        try {
            assertNull(ServingLock.tryAcquire(store.root()), "one node at a time");
            assertTrue(ServingLock.isHeld(store.root()));
            Files.writeString(src.resolve("a/f7.txt"), "edited\n", java.nio.file.StandardOpenOption.APPEND);
            smallFiles(src, "b", 2); // a new directory: following edges fetch it in groups
            Files.writeString(src.resolve("big/data.txt"), "edited\n", java.nio.file.StandardOpenOption.APPEND);
            bigFile(src.resolve("big/new.txt"), 2, 200_000);
            age(src);
            p.publish(src);
            assertFalse(contentPacked(data, "site", "big/data.txt"), "an updated file goes to following edges as "
                    + "patches: its packed copy is left to the node");
            assertTrue(contentPacked(data, "site", "big/new.txt"), "a new file is fetched whole: packed before the switch");
            Packed after = packed(data, "site");
            long aGroups = after.packed().stream().filter(f -> f.startsWith("a/")).count() + after.missing().size();
            assertFalse(after.missing().isEmpty(), "the group of the edited file is left to the node");
            assertTrue(after.missing().stream().allMatch(f -> f.startsWith("a/")), after.missing().toString());
            assertTrue(after.missing().size() < aGroups, "groups of a/ the edit did not touch stay packed: " + after);
            assertTrue(after.packed().stream().anyMatch(f -> f.startsWith("b/")), "the new directory's groups are ready");
            assertNotNull(store.readEnvelope(1), "a first release's envelope is stored before its switch");
            assertNull(store.readEnvelope(2), "an update's envelope is left to the node");
        } finally {
            lock.close();
        }
        assertFalse(ServingLock.isHeld(store.root()));

        Files.writeString(src.resolve("a/f8.txt"), "edited too\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(src.resolve("big/data.txt"), "edited again\n", java.nio.file.StandardOpenOption.APPEND);
        age(src);
        p.publish(src);
        assertTrue(packed(data, "site").missing().isEmpty(), "no node serves: the publish packs every group itself");
        assertTrue(contentPacked(data, "site", "big/data.txt"), "and every file");
        byte[] env = store.readEnvelope(3);
        assertNotNull(env, "and stores the envelope");
        assertArrayEquals(store.manifestBytes(3), ManifestEnvelope.decode(env).body());
    }

    @Test
    void idlePacker_packsTheCurrentReleaseOnlyOnceNoRequestCameForTheQuietTime() throws Exception {
        Path src = tmp.resolve("src");
        smallFiles(src, "a", 3);
        bigFile(src.resolve("big/data.txt"), 3, 2_000_000);
        age(src);
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site");
        p.publish(src);
        try (ReleaseService service = new ReleaseService(data, "k", new byte[32], List.of());
             IdlePacker packer = new IdlePacker(data, List.of(), service, 700).start()) {
            assertTrue(ServingLock.isHeld(DatasetStore.open(data, "site").root()), "held once start() returns");
            Files.writeString(src.resolve("a/f3.txt"), "edited\n", java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(src.resolve("big/data.txt"), "edited\n", java.nio.file.StandardOpenOption.APPEND);
            age(src);
            long v = p.publish(src).version();
            assertFalse(contentPacked(data, "site", "big/data.txt"), "left to the node");

            // busy: a request every 200 ms for 2 s (an edge at the current version checking, so
            // no update under way); nothing is packed meanwhile
            DatasetStore store = DatasetStore.open(data, "site");
            assertNull(store.readEnvelope(v), "the envelope is left to the node");
            int waiting = packed(data, "site").missing().size();
            assertTrue(waiting >= 1, "left to the node");
            long busyUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long quietFrom = 0;
            while (System.nanoTime() < busyUntil) {
                service.openManifest("site", 0, v).content().close();
                quietFrom = System.nanoTime();
                assertEquals(waiting, packed(data, "site").missing().size(), "packed while requests were coming in");
                assertFalse(contentPacked(data, "site", "big/data.txt"), "packed while requests were coming in");
                assertNull(store.readEnvelope(v), "stored while requests were coming in");
                Thread.sleep(200);
            }
            long deadline = quietFrom + TimeUnit.SECONDS.toNanos(20);
            while (!packed(data, "site").missing().isEmpty() || !contentPacked(data, "site", "big/data.txt")) {
                assertTrue(System.nanoTime() < deadline, "the idle node never packed the group");
                Thread.sleep(50);
            }
            assertTrue(System.nanoTime() - quietFrom >= TimeUnit.MILLISECONDS.toNanos(700),
                    "packed before the quiet time was up");
            byte[] env = store.readEnvelope(v);
            assertNotNull(env, "the idle node stored the envelope");
            assertArrayEquals(store.manifestBytes(v), ManifestEnvelope.decode(env).body());
        }
        assertFalse(ServingLock.isHeld(DatasetStore.open(data, "site").root()), "released when the node stops");
    }

    @Test
    void aFileBeingServed_holdsThePackerOff_untilItIsClosed() throws Exception {
        BigFileSite site = BigFileSite.publish(tmp);
        Path data = site.data();
        try (ReleaseService service = new ReleaseService(data, "k", new byte[32], List.of());
             IdlePacker packer = new IdlePacker(data, List.of(), service, 300).start()) {
            long v = site.publishEdit();
            var source = service.openFile("site", v - 1, "big/data.txt"); // a long answer in progress
            assertEquals(0, service.quietNanos(), "busy while a file is being served");
            Thread.sleep(1500); // well past the quiet time, with no new request
            assertFalse(contentPacked(data, "site", "big/data.txt"), "packed while a file was being served");
            source.close();
            awaitBigFilePacked(data, System.nanoTime(), 300, "the idle node never packed the file",
                    "the quiet time counts from the end of the answer");
        }
    }

    @Test
    void anUpdateUnderWay_holdsThePackerOff_untilThatEdgeChecksInAtTheNewVersion() throws Exception {
        BigFileSite site = BigFileSite.publish(tmp);
        Path data = site.data();
        long v1 = site.v1();
        try (ReleaseService service = new ReleaseService(data, "k", new byte[32], List.of());
             IdlePacker packer = new IdlePacker(data, List.of(), service, 300).start()) {
            service.updateGrace(java.time.Duration.ofSeconds(60));
            long v2 = site.publishEdit();
            assertFalse(contentPacked(data, "site", "big/data.txt"), "left to the node");
            // an edge at v1 takes the manifest of v2, then works locally without asking anything
            service.openManifest("site", 0, v1).content().close();
            Thread.sleep(1500); // well past the quiet time
            assertEquals(0, service.quietNanos(), "busy while an update is under way");
            assertFalse(contentPacked(data, "site", "big/data.txt"), "packed while an edge was updating");
            // its check at v2, right after it switched: the update is over
            service.openManifest("site", 0, v2).content().close();
            awaitBigFilePacked(data, System.nanoTime(), 300, "the idle node never packed the file",
                    "the quiet time counts from the check");
        }
    }

    @Test
    void anUpdateThatNeverChecksIn_holdsThePackerOffOnlyForTheGrace() throws Exception {
        BigFileSite site = BigFileSite.publish(tmp);
        Path data = site.data();
        long v1 = site.v1();
        try (ReleaseService service = new ReleaseService(data, "k", new byte[32], List.of());
             IdlePacker packer = new IdlePacker(data, List.of(), service, 200).start()) {
            service.updateGrace(java.time.Duration.ofMillis(1200));
            site.publishEdit();
            // two edges take the new manifest (one of them a cold one); neither ever checks in
            service.openManifest("site", 0, v1).content().close();
            service.openManifest("site", 0, 0).content().close();
            awaitBigFilePacked(data, System.nanoTime(), 1200, "a stalled update held the packer off for good",
                    "packed before the grace of an update under way was up");
        }
    }

    /** A source holding one 400 kB file, published once (v1) into {@code data} as "site". */
    private record BigFileSite(Path src, Path data, Publisher publisher, long v1) {
        static BigFileSite publish(Path tmp) throws IOException {
            Path src = tmp.resolve("src");
            bigFile(src.resolve("big/data.txt"), 5, 400_000);
            age(src);
            Publisher p = new Publisher(tmp.resolve("data"), "site");
            return new BigFileSite(src, tmp.resolve("data"), p, p.publish(src).version());
        }

        /** Appends to the file and publishes; returns the new version. */
        long publishEdit() throws IOException {
            Files.writeString(src.resolve("big/data.txt"), "edited\n", java.nio.file.StandardOpenOption.APPEND);
            age(src);
            return publisher.publish(src).version();
        }
    }

    /**
     * Waits up to 20 s from {@code from} for the node to pack {@code big/data.txt} of "site", and
     * asserts that it took at least {@code minMillis} from {@code from}.
     */
    private static void awaitBigFilePacked(Path data, long from, long minMillis, String never, String tooEarly)
            throws Exception {
        long deadline = from + TimeUnit.SECONDS.toNanos(20);
        while (!contentPacked(data, "site", "big/data.txt")) {
            assertTrue(System.nanoTime() < deadline, never);
            Thread.sleep(20);
        }
        assertTrue(System.nanoTime() - from >= TimeUnit.MILLISECONDS.toNanos(minMillis), tooEarly);
    }
}
