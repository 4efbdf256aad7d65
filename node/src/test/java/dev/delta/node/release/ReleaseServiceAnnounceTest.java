package dev.delta.node.release;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.origin.Publisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReleaseServiceAnnounceTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    /** A publish with no edge subscribed is still noted (and logged) by the serving node. */
    @Test
    void publish_withNoSubscriber_isNotedByThePoll() throws Exception {
        Publisher pub = publishedOnce();
        Path src = tmp.resolve("src");
        try (ReleaseService svc = new ReleaseService(tmp.resolve("data"), "default", SECRET, List.of(), 20)) {
            assertEquals(1, svc.unsubscribedCurrent("site"), "what is current at start");
            Files.writeString(src.resolve("a.txt"), "two");
            pub.publish(src);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (svc.unsubscribedCurrent("site") != 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(2, svc.unsubscribedCurrent("site"), "v2 noted without anyone to announce it to");
            try (AutoCloseable sub = svc.subscribe("site", (dataset, version, root) -> { })) {
                Thread.sleep(100);
                assertEquals(0, svc.unsubscribedCurrent("site"), "a subscribed dataset is announced instead");
            }
        }
    }

    @Test
    void publish_isAnnouncedAtOnce_withoutWaitingForThePoll() throws Exception {
        Publisher pub = publishedOnce();
        Path src = tmp.resolve("src");
        Path data = tmp.resolve("data");
        BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        // a poll once an hour: only the directory watch can announce v2 and v3 within the test
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of(), TimeUnit.HOURS.toMillis(1));
             AutoCloseable sub = svc.subscribe("site", (dataset, version, root) -> seen.add(version))) {
            assertEquals(1L, seen.poll(10, TimeUnit.SECONDS), "the current version, at subscription");
            Files.writeString(src.resolve("a.txt"), "two");
            pub.publish(src);
            assertEquals(2L, seen.poll(10, TimeUnit.SECONDS), "v2 announced after the switch of current");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!svc.isDecoded("site", 2) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(svc.isDecoded("site", 2), "an announced version is decoded before ranges of it are asked for");
            Files.writeString(src.resolve("b.txt"), "three");
            pub.publish(src);
            assertEquals(3L, seen.poll(10, TimeUnit.SECONDS), "v3 announced too");
            assertNull(seen.poll(300, TimeUnit.MILLISECONDS), "each version announced once");
        }
    }

    @Test
    void anAnnouncement_restartsTheQuietTime_beforeItsSubscribersHaveAskedAnything() throws Exception {
        Publisher pub = publishedOnce();
        Path src = tmp.resolve("src");
        BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        try (ReleaseService svc = new ReleaseService(tmp.resolve("data"), "default", SECRET, List.of(),
                TimeUnit.HOURS.toMillis(1));
             AutoCloseable sub = svc.subscribe("site", (dataset, version, root) -> seen.add(version))) {
            assertEquals(1L, seen.poll(10, TimeUnit.SECONDS));
            Thread.sleep(600); // no request since
            assertTrue(svc.quietNanos() >= TimeUnit.MILLISECONDS.toNanos(500), "quiet before the publish");
            Files.writeString(src.resolve("a.txt"), "two");
            pub.publish(src);
            assertEquals(2L, seen.poll(10, TimeUnit.SECONDS));
            // the edges' update begins with the announcement, before their first request arrives
            assertTrue(svc.quietNanos() < TimeUnit.MILLISECONDS.toNanos(400),
                    "the announcement of a new version did not restart the quiet time");
        }
    }

    /** "site" published once into {@code tmp/data} from {@code tmp/src}, which holds a.txt = "one". */
    /**
     * A version announced after one this node has decoded (the release its edges followed) is
     * rebuilt from it and the delta the publish stored: the same manifest, sharing the unchanged
     * entries.
     */
    @Test
    void anAnnouncedUpdate_isRebuiltFromTheDecodedReleaseBeforeIt() throws Exception {
        Publisher pub = publishedOnce();
        Path src = tmp.resolve("src");
        Path data = tmp.resolve("data");
        for (int i = 0; i < 20; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), "file " + i);
        }
        pub.publish(src); // v2
        DatasetStore store = DatasetStore.open(data, "site");
        BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of(), TimeUnit.HOURS.toMillis(1));
             AutoCloseable sub = svc.subscribe("site", (dataset, version, root) -> seen.add(version))) {
            assertEquals(2L, seen.poll(10, TimeUnit.SECONDS));
            Manifest v2 = svc.decoded("site", 2); // as serving v2's ranges to its edges did
            Files.writeString(src.resolve("f3.txt"), "changed");
            Files.delete(src.resolve("f4.txt"));
            pub.publish(src); // v3, with the delta from v2 stored
            assertEquals(3L, seen.poll(10, TimeUnit.SECONDS));
            Manifest v3 = awaitDecoded(svc, 3);
            assertEquals(store.manifest(3), v3);
            assertSame(v2.get("f7.txt"), v3.get("f7.txt"), "an unchanged entry is the one v2's manifest holds");
            assertNotEquals(v2.get("f3.txt"), v3.get("f3.txt"));
            assertNull(v3.get("f4.txt"));
        }
    }

    /** Without a stored delta that describes the two releases, or with a damaged one, the version is decoded. */
    @Test
    void withoutAUsableStoredDelta_theVersionIsDecoded() throws Exception {
        Publisher pub = publishedOnce();
        Path src = tmp.resolve("src");
        Path data = tmp.resolve("data");
        for (int v = 2; v <= 4; v++) {
            Files.writeString(src.resolve("f" + v + ".txt"), "version " + v);
            pub.publish(src);
        }
        DatasetStore store = DatasetStore.open(data, "site");
        byte[] delta = store.readDelta(2, 3);
        delta[delta.length / 2] ^= 0x10;
        store.writeDelta(2, 3, delta);
        Files.delete(store.root().resolve(".delta/manifests/v4.from-v3.dmd"));
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of(), TimeUnit.HOURS.toMillis(1))) {
            Manifest v2 = svc.decoded("site", 2);
            Manifest v3 = svc.rebuiltOrDecoded("site", 3);
            assertEquals(store.manifest(3), v3);
            assertNotSame(v2.get("a.txt"), v3.get("a.txt"), "decoded: the damaged delta was not used");
            Manifest v4 = svc.rebuiltOrDecoded("site", 4);
            assertEquals(store.manifest(4), v4);
            assertNotSame(v3.get("a.txt"), v4.get("a.txt"), "decoded: no delta from v3 is stored");
            assertSame(v4, svc.decoded("site", 4), "kept for the requests that follow");
        }
    }

    private static Manifest awaitDecoded(ReleaseService svc, long version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!svc.isDecoded("site", version) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(svc.isDecoded("site", version), "v" + version + " made ready at its announcement");
        return svc.decoded("site", version);
    }

    private Publisher publishedOnce() throws java.io.IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "one");
        Publisher pub = new Publisher(tmp.resolve("data"), "site");
        pub.publish(src);
        return pub;
    }

    @Test
    void decodedManifests_areKeptWithinTheirBounds_leastRecentlyUsedDroppedFirst() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path data = tmp.resolve("data");
        Publisher pub = new Publisher(data, "site");
        for (int v = 1; v <= 3; v++) {
            Files.writeString(src.resolve("f" + v + ".txt"), "version " + v);
            pub.publish(src);
        }
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of(), TimeUnit.HOURS.toMillis(1))) {
            assertEquals(3, svc.decoded("site", 3).entries().size()); // f1, f2, f3
            svc.decodedBounds(8, 5); // room for v3 (3 entries) and v2 (2), not for v1 (1) as well
            svc.decoded("site", 2);
            svc.decoded("site", 1);
            assertFalse(svc.isDecoded("site", 3), "the least recently used goes first");
            assertTrue(svc.isDecoded("site", 2) && svc.isDecoded("site", 1));
            svc.decoded("site", 2); // now v1 is the least recently used
            svc.decoded("site", 3);
            assertFalse(svc.isDecoded("site", 1));
            assertTrue(svc.isDecoded("site", 2) && svc.isDecoded("site", 3));

            svc.decodedBounds(8, 1); // smaller than any manifest: the two most recently used stay
            svc.decoded("site", 1);
            assertTrue(svc.isDecoded("site", 1) && svc.isDecoded("site", 3),
                    "an update's target and reference are kept whatever their size");
            assertFalse(svc.isDecoded("site", 2));

            svc.decodedBounds(2, 1_000);
            svc.decoded("site", 2);
            svc.decoded("site", 3);
            assertFalse(svc.isDecoded("site", 1), "two manifests at most");
            assertTrue(svc.isDecoded("site", 2) && svc.isDecoded("site", 3));
            assertEquals("version 3", Files.readString(data.resolve("site/current/f3.txt")));
        }
    }
}
