package dev.delta.node.edge;

import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.ReleaseSpare;
import dev.delta.engine.store.StoreException;
import dev.delta.node.config.NodeConfig;
import dev.delta.node.origin.PublishResult;
import dev.delta.node.origin.Publisher;
import dev.delta.node.release.PatchPack;
import dev.delta.node.release.ReleaseService;
import dev.delta.node.serve.Node;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.ErrorKind;
import dev.delta.protocol.server.DatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class OriginEdgeTest {
    private static final byte[] SECRET = "a-test-secret-of-enough-length".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    private Path src;
    private Path originData;
    private Path edgeData;
    private DeltaServer server;
    private ReleaseService service;

    @BeforeEach
    void setUp() throws IOException {
        src = tmp.resolve("src");
        originData = tmp.resolve("origin");
        edgeData = tmp.resolve("edge");
        Random r = new Random(5);
        Files.createDirectories(src.resolve("lib/deep"));
        Files.createDirectories(src.resolve("empty"));
        for (int i = 0; i < 30; i++) {
            Files.writeString(src.resolve("lib/file" + i + ".txt"), text(r, 200 + r.nextInt(2000)));
        }
        byte[] blob = new byte[3 << 20];
        r.nextBytes(blob);
        Files.write(src.resolve("lib/deep/blob.bin"), blob);
        Files.createSymbolicLink(src.resolve("latest"), Path.of("lib/deep/blob.bin"));
        age(src);
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (service != null) {
            service.close();
        }
    }

    private static String text(Random r, int lines) {
        String[] w = {"alpha", "beta", "gamma", "delta", "chunk", "edge", "origin", "range", "file", "tree"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append(w[r.nextInt(w.length)]).append(' ').append(w[r.nextInt(w.length)]).append(' ')
                    .append(r.nextInt(100000)).append('\n');
        }
        return sb.toString();
    }

    private static void age(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_000L));
                }
            }
        }
    }

    private void startOrigin(ReleaseService svc) throws IOException {
        startOrigin(svc, svc);
    }

    private void startOrigin(ReleaseService svc, DatasetService served) throws IOException {
        service = svc;
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), served);
    }

    /** Publishes the source as v1 and starts an origin serving it; returns the publisher for more versions. */
    private Publisher publishAndServe() throws IOException {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        return pub;
    }

    /** A whole origin node (server, announcer, idle packer) on {@code originData}, serving every dataset. */
    private NodeConfig originNodeConfig() {
        return new NodeConfig(originData, "127.0.0.1", 0, NodeConfig.Role.ORIGIN, null, List.of(), List.of(), 5,
                "default", SECRET, null, null, null, true, dev.delta.engine.chunk.ChunkerParams.DEFAULT, 1, 0);
    }

    /** A whole edge node on {@code edgeData} following dataset "site" from the origin on {@code port}. */
    private NodeConfig edgeNodeConfig(int port) {
        return new NodeConfig(edgeData, "127.0.0.1", 0, NodeConfig.Role.EDGE, new NodeConfig.HostPort("127.0.0.1", port),
                List.of("site"), List.of(), 5, "default", SECRET, null, null, null, true,
                dev.delta.engine.chunk.ChunkerParams.DEFAULT, 2, 0);
    }

    private DeltaClient client() throws DeltaException {
        return DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "default", SECRET));
    }

    private static void assertMatches(Path dataDir, Path expectedTree) throws IOException {
        DatasetStore s = DatasetStore.open(dataDir, "site");
        Manifest m = s.manifest(s.current().getAsLong());
        ScanResult want = new Scanner(ScanOptions.builder("site").chunker(m.chunker()).useIgnoreFile(false).build())
                .scan(expectedTree);
        ScanResult have = new Scanner(ScanOptions.builder("site").chunker(m.chunker()).useIgnoreFile(false).build())
                .scan(s.currentLink().toRealPath());
        ManifestDiff d = ManifestDiff.between(want.manifest(), have.manifest());
        assertFalse(d.hasDifferences(), "edge differs from the source: " + d.changes());
    }

    @Test
    void originServesItsLz4HcCopies_smallerThanOnTheFly_andEdgesMatch() throws Exception {
        new Publisher(originData, "site").publish(src);
        Path packs = originData.resolve("site/.delta/lz4");
        DatasetStore published = DatasetStore.open(originData, "site");
        Manifest m = published.manifest(1);
        try (var s = Files.list(packs)) {
            assertEquals(31 + dev.delta.engine.plan.FileGroups.of(m).size(), s.count(),
                    "one packed copy per file content (30 texts and the blob), and one per group of small files");
        }
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        SyncResult packed;
        try (DeltaClient c = client()) {
            packed = new Syncer(c, edgeData).sync("site", 0);
        }
        assertMatches(edgeData, src);

        // the same sync without the packed copies: the origin compresses on the fly (LZ4 fast)
        try (var s = Files.list(packs)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Path other = tmp.resolve("edge2");
        SyncResult plain;
        try (DeltaClient c = client()) {
            plain = new Syncer(c, other).sync("site", 0);
        }
        assertMatches(other, src);
        assertEquals(packed.bytesFetched(), plain.bytesFetched());
        assertTrue(packed.wireReceived() < plain.wireReceived(),
                "LZ4 HC packed at publish beats on-the-fly: " + packed.wireReceived() + " vs " + plain.wireReceived());
    }

    @Test
    void replicate_initialUpdateNoChangeAndRollback() throws Exception {
        // 16 KiB chunks: the renamed 3 MiB file's chunk list (in the delta) then stays under 4 KiB
        Publisher pub = new Publisher(originData, "site").chunker(dev.delta.engine.chunk.ChunkerParams.DEFAULT);
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            SyncResult first = sync.sync("site", 0);
            assertEquals(1, first.version());
            assertEquals(first.bytesTotal(), first.bytesFetched());
            assertMatches(edgeData, src);

            // a release: edits, a rename of the big file, a deletion, an addition
            Random r = new Random(9);
            Files.writeString(src.resolve("lib/file3.txt"), Files.readString(src.resolve("lib/file3.txt")) + "appended\n");
            Files.move(src.resolve("lib/deep/blob.bin"), src.resolve("lib/deep/renamed.bin"));
            Files.delete(src.resolve("lib/file7.txt"));
            Files.writeString(src.resolve("lib/new.txt"), text(r, 50));
            age(src);
            pub.publish(src);
            SyncResult second = sync.sync("site", 0);
            assertEquals(2, second.version());
            assertEquals(2, second.filesAdded(), "new.txt and renamed.bin are added");
            assertEquals(2, second.filesDeleted(), "file7.txt and blob.bin are gone");
            assertTrue(second.bytesFetched() < 64 * 1024,
                    "the renamed 3 MiB file costs nothing; fetched " + second.bytesFetched());
            assertTrue(second.bytesReusedLocal() > 3 << 20);
            assertTrue(second.manifestBytes() < 4096, "a delta manifest, not the full one: " + second.manifestBytes());
            assertMatches(edgeData, src);

            SyncResult same = sync.sync("site", 0);
            assertTrue(same.upToDate());
            assertEquals(0, same.bytesFetched());
            assertTrue(same.wireReceived() + same.wireSent() < 2048,
                    "no-change costs one small round trip: " + (same.wireReceived() + same.wireSent()));

            DatasetStore edge = DatasetStore.open(edgeData, "site");
            edge.switchTo(1);
            edge.hold(1);
            assertFalse(Files.exists(edge.currentLink().resolve("lib/new.txt")));
            assertTrue(Files.exists(edge.currentLink().resolve("lib/file7.txt")));
        }
    }

    /**
     * An edge pointed at another origin (or at its origin rebuilt from scratch) holds a v1 that is
     * not the upstream's v1: the upstream's delta against "v1" does not apply, and the edge asks for
     * the whole manifest instead of failing every sync. A version whose number is taken here by
     * other content is refused, and current stays as it was.
     */
    @Test
    void anEdgeFromAnotherOrigin_getsTheWholeManifest_andNeverReplacesARelease() throws Exception {
        new Publisher(originData, "site").publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            new Syncer(c, edgeData).sync("site", 0);
        }
        server.close();
        service.close();

        Path otherData = tmp.resolve("other-origin");
        Publisher other = new Publisher(otherData, "site");
        Files.writeString(src.resolve("lib/file1.txt"), "the other origin's v1\n");
        other.publish(src);
        Files.writeString(src.resolve("lib/file2.txt"), "the other origin's v2\n");
        other.publish(src);
        startOrigin(new ReleaseService(otherData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            SyncResult r = new Syncer(c, edgeData).sync("site", 0);
            assertEquals(2, r.version());
            assertTrue(r.bytesReusedLocal() > 3 << 20, "the content held here still serves: " + r.bytesReusedLocal());
        }
        assertMatches(edgeData, src);
        DatasetStore edge = DatasetStore.open(edgeData, "site");
        byte[] v1Here = edge.rootDigest(1);
        server.close();
        service.close();

        Path third = tmp.resolve("third-origin");
        Files.writeString(src.resolve("lib/file5.txt"), "a third origin's v1\n");
        new Publisher(third, "site").publish(src);
        startOrigin(new ReleaseService(third, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            StoreException e = assertThrows(StoreException.class, () -> new Syncer(c, edgeData).sync("site", 0));
            assertTrue(e.getMessage().contains("v1 already exists here with different content"), e.getMessage());
        }
        assertEquals(2, edge.current().getAsLong(), "current is untouched");
        assertTrue(java.util.Arrays.equals(v1Here, edge.rootDigest(1)), "and so is the v1 held here");
    }

    /** A damaged manifest of the current release stops the sync with the file named and current kept. */
    @Test
    void aDamagedManifestOfTheCurrentRelease_isNamed_andNothingChanges() throws Exception {
        Publisher pub = publishAndServe();
        try (DeltaClient c = client()) {
            new Syncer(c, edgeData).sync("site", 0);
            Path stored = edgeData.resolve("site/.delta/manifests/v1.dm");
            byte[] b = Files.readAllBytes(stored);
            b[b.length - 1] ^= 1; // the trailing checksum no longer matches
            Files.write(stored, b);
            Files.writeString(src.resolve("lib/file3.txt"), "changed for v2\n");
            pub.publish(src);
            StoreException e = assertThrows(StoreException.class, () -> new Syncer(c, edgeData).sync("site", 0));
            assertTrue(e.getMessage().contains("the stored manifest of site v1, the current release, is damaged ("
                    + stored), e.getMessage());
            assertEquals(1, DatasetStore.open(edgeData, "site").current().getAsLong());
        }
    }

    /**
     * A rollback hold holds: a newer version is fetched and stored (so that releasing the hold is
     * instant) but current stays, unless the edge is told to follow, which ends the hold.
     */
    @Test
    void aHeldEdgeStoresNewerVersionsWithoutSwitching_unlessItFollows() throws Exception {
        Publisher pub = publishAndServe();
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            assertTrue(sync.sync("site", 0).switched());
            DatasetStore edge = DatasetStore.open(edgeData, "site");
            edge.hold(1); // as 'delta rollback' leaves it

            Files.writeString(src.resolve("lib/file3.txt"), "changed for v2\n");
            pub.publish(src);
            SyncResult held = sync.sync("site", 0);
            assertEquals(2, held.version());
            assertFalse(held.switched(), "current stays on the held release");
            assertEquals(1, edge.current().getAsLong());
            assertEquals(1, edge.heldAt().getAsLong(), "the hold is still there");
            assertTrue(Files.isDirectory(edge.releaseDir(2)), "v2 is stored, ready for the release of the hold");
            assertFalse(Files.readString(edge.currentLink().resolve("lib/file3.txt")).startsWith("changed"));

            Files.writeString(src.resolve("lib/file4.txt"), "changed for v3\n");
            pub.publish(src);
            SyncResult followed = sync.follow(true).sync("site", 0);
            assertTrue(followed.switched(), "an edge that follows takes the newer version");
            assertEquals(3, edge.current().getAsLong());
            assertTrue(edge.heldAt().isEmpty(), "and the hold is over");
        }
        assertMatches(edgeData, src);
    }

    @Test
    void aBigFetchIsSpreadOverSeveralConnections_andOneThatCannotBeOpenedIsDoneWithout() throws Exception {
        new Publisher(originData, "site").publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        List<DeltaClient> extras = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (DeltaClient c = client()) {
            long in0 = c.wireBytesReceived();
            long out0 = c.wireBytesSent();
            Syncer sync = new Syncer(c, edgeData).connections(3, () -> {
                DeltaClient x = client();
                extras.add(x);
                return x;
            });
            SyncResult r = sync.sync("site", 0); // 31 files: more requests than one connection is kept for
            assertEquals(3, sync.lastConnections);
            assertEquals(2, extras.size());
            long extraIn = 0;
            long extraOut = 0;
            for (DeltaClient x : extras) {
                assertFalse(x.isOpen(), "an extra connection is closed when the fetch ends");
                assertTrue(x.wireBytesReceived() > 1000, "each extra connection carried ranges: " + x.wireBytesReceived());
                extraIn += x.wireBytesReceived();
                extraOut += x.wireBytesSent();
            }
            assertEquals(c.wireBytesReceived() - in0 + extraIn, r.wireReceived(), "every connection's bytes are counted");
            assertEquals(c.wireBytesSent() - out0 + extraOut, r.wireSent());
            assertEquals(r.bytesTotal(), r.bytesFetched());
        }
        assertMatches(edgeData, src);

        Path other = tmp.resolve("edge2");
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, other).connections(2, () -> {
                throw new IOException("connection refused");
            });
            assertEquals(1, sync.sync("site", 0).version());
            assertEquals(1, sync.lastConnections, "the fetch went over the one connection there is");
        }
        assertMatches(other, src);

        // A small update stays on one connection: opening more would cost more than it saves.
        Files.writeString(src.resolve("lib/file3.txt"), "changed\n");
        age(src);
        new Publisher(originData, "site").publish(src);
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData).connections(3, () -> {
                throw new AssertionError("no extra connection for one file");
            });
            assertEquals(2, sync.sync("site", 0).version());
            assertEquals(1, sync.lastConnections);
        }
        assertMatches(edgeData, src);
    }

    @Test
    void anExtraConnectionLostMidFetch_handsItsRangesBackAndTheSyncCompletes() throws Exception {
        new Publisher(originData, "site").publish(src);
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch cut = new java.util.concurrent.CountDownLatch(1);
        DeltaClient[] extra = new DeltaClient[1];
        ReleaseService svc = new ReleaseService(originData, "default", SECRET, List.of());
        // At the 10th read the extra connection is closed, and no read goes on until it is: its
        // requests not yet read can only fail, whatever the timing.
        startOrigin(svc, new WrappedService(svc, (path, offset, dst, start, n) -> {
            if (reads.incrementAndGet() == 10) {
                new Thread(() -> {
                    extra[0].close();
                    cut.countDown();
                }).start();
            }
            if (reads.get() >= 10) {
                try {
                    assertTrue(cut.await(20, java.util.concurrent.TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
        }));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData).connections(2, () -> extra[0] = client());
            SyncResult r = sync.sync("site", 0);
            assertEquals(1, r.version());
            assertEquals(2, sync.lastConnections);
            assertTrue(sync.lastRounds >= 2, "the lost connection's ranges went again: " + sync.lastRounds);
            assertFalse(extra[0].isOpen());
            assertTrue(c.isOpen(), "the first connection is unharmed");
            DeltaClient.await(c.ping());
        }
        assertMatches(edgeData, src);
    }

    @Test
    void anExtraConnectionToANodeWithoutTheVersion_handsItsRangesBack() throws Exception {
        new Publisher(originData, "site").publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        // another node behind the same name, say, that has not got this dataset
        Path emptyOrigin = Files.createDirectories(tmp.resolve("other-origin"));
        ReleaseService emptyService = new ReleaseService(emptyOrigin, "default", SECRET, List.of());
        DeltaServer other = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), emptyService);
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData).connections(2, () -> DeltaClient.connect(
                    ClientConfig.of("127.0.0.1", other.port(), "default", SECRET)));
            assertEquals(1, sync.sync("site", 0).version());
            assertEquals(2, sync.lastConnections);
            assertTrue(sync.lastRounds >= 2, "refused ranges went again over the first connection");
        } finally {
            other.close();
            emptyService.close();
        }
        assertMatches(edgeData, src);
    }

    @Test
    void noChange_isDecidedFromTheRootRecordWithoutDecodingOrScanningTheRelease() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            SyncResult first = new Syncer(c, edgeData).sync("site", 0);
            Path record = edgeData.resolve("site/.delta/manifests/v1.root");
            assertTrue(Files.exists(record), "commit records the root digest beside the manifest");

            // Spoil the stored manifest's trailing checksum (same length): a decode would now fail,
            // so a no-change sync that succeeds has not decoded it, let alone read the files.
            Path stored = edgeData.resolve("site/.delta/manifests/v1.dm");
            byte[] b = Files.readAllBytes(stored);
            b[b.length - 1] ^= 1;
            Files.write(stored, b);
            SyncResult same = new Syncer(c, edgeData).sync("site", 0);
            assertTrue(same.upToDate());
            assertEquals(1, same.version());
            assertEquals(first.bytesTotal(), same.bytesTotal(), "figures from a skim of the stored manifest");
            assertTrue(same.wireReceived() + same.wireSent() < 2048);

            // A store from an older build has no record: it is computed from the manifest, and written.
            b[b.length - 1] ^= 1;
            Files.write(stored, b);
            Files.delete(record);
            assertTrue(new Syncer(c, edgeData).sync("site", 0).upToDate());
            assertTrue(Files.exists(record));

            // Same version, other content upstream: never mistaken for up to date.
            Files.writeString(src.resolve("lib/file3.txt"), "other content\n");
            age(src);
            Path otherOrigin = tmp.resolve("other-origin");
            new Publisher(otherOrigin, "site").publish(src);
            server.close();
            service.close();
            startOrigin(new ReleaseService(otherOrigin, "default", SECRET, List.of()));
            try (DeltaClient c2 = client()) {
                IOException e = assertThrows(IOException.class, () -> new Syncer(c2, edgeData).sync("site", 0));
                // the delta does not apply; the whole manifest is a v1 other than the one held here
                assertTrue(e.getMessage().contains("v1 already exists here with different content"), e.getMessage());
            }
            assertMatchesVersion1();
        }
    }

    private void assertMatchesVersion1() throws IOException {
        assertEquals(1, DatasetStore.open(edgeData, "site").current().getAsLong());
    }

    @Test
    void signedManifests_acceptedWithTheRightKeyRejectedWithAnother() throws Exception {
        KeyPair origin = KeyFiles.generate();
        new Publisher(originData, "site").signWith(origin).publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            StoreException e = assertThrows(StoreException.class,
                    () -> new Syncer(c, edgeData).trust(KeyFiles.generate().getPublic()).sync("site", 0));
            assertTrue(e.getMessage().contains("signature rejected"), e.getMessage());
            assertTrue(DatasetStore.open(edgeData, "site").current().isEmpty(), "nothing applied");
            assertEquals(1, new Syncer(c, edgeData).trust(origin.getPublic()).sync("site", 0).version());
        }
    }

    /**
     * A publish that forgot the key is put right by the same publish with the key: nothing
     * changed, so no version is made, but the current one is signed in place, and a serving node
     * hands the signature to the edge that refused the unsigned manifest (also to a cold edge,
     * whose manifest comes from the stored envelope).
     */
    @Test
    void anUnsignedReleaseSignedInPlace_isAcceptedByTheEdgeThatRefusedIt() throws Exception {
        KeyPair origin = KeyFiles.generate();
        new Publisher(originData, "site").publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            StoreException e = assertThrows(StoreException.class,
                    () -> new Syncer(c, edgeData).trust(origin.getPublic()).sync("site", 0));
            assertTrue(e.getMessage().contains("site v1 is not signed"), e.getMessage());

            PublishResult r = new Publisher(originData, "site").signWith(origin).publish(src);
            assertFalse(r.created(), "the tree is unchanged: no version");
            assertTrue(r.signed() && r.signedNow(), r.toString());
            assertEquals(1, new Syncer(c, edgeData).trust(origin.getPublic()).sync("site", 0).version());
        }
        assertMatches(edgeData, src);
    }

    @Test
    void wrongSecret_isRejected() throws Exception {
        new Publisher(originData, "site").publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.connect(
                ClientConfig.of("127.0.0.1", server.port(), "default", "not-the-secret-at-all".getBytes())));
        assertEquals(ErrorKind.AUTH_FAILED, e.kind());
    }

    /** Inserts {@code ins} in the middle of each of files 0..n-1, as a small release would. */
    private void editMiddles(int n, String ins) throws IOException {
        for (int i = 0; i < n; i++) {
            Path f = src.resolve("lib/file" + i + ".txt");
            String t = Files.readString(f);
            Files.writeString(f, t.substring(0, t.length() / 2) + ins + t.substring(t.length() / 2));
        }
        age(src);
    }

    @Test
    void editedFiles_travelAsPatchesAgainstTheEdgesOldCopy() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            sync.sync("site", 0);
            editMiddles(20, "an inserted line of about forty bytes\n");
            pub.publish(src);
            SyncResult r = sync.sync("site", 0);
            assertMatches(edgeData, src);
            // Whole chunks around 20 edits are needed (kilobytes each); the wire carries about the
            // 20 inserted lines, the manifest delta and the requests.
            assertTrue(r.bytesFetched() > 40_000, "fetched " + r.bytesFetched());
            assertDataWasPatches(r);
        }
    }

    /** The data on the wire (all but the manifest) was under a tenth of the chunks it brought: patches. */
    private static void assertDataWasPatches(SyncResult r) {
        long data = r.wireReceived() - r.manifestBytes();
        assertTrue(data < r.bytesFetched() / 10, "data on the wire " + data + " for " + r.bytesFetched()
                + " bytes of chunks");
    }

    /**
     * The origin's publish computes the patches that edges holding the previous release will ask
     * for: every piece two such edges ask for is served as stored (the origin's plan of their
     * requests matches theirs exactly), and both end up with the new tree.
     */
    @Test
    void patchesStoredAtPublish_areServedAsStoredToEveryFollowingEdge() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        Path edge2 = tmp.resolve("edge2");
        try (DeltaClient c = client(); DeltaClient c2 = client()) {
            Syncer a = new Syncer(c, edgeData);
            Syncer b = new Syncer(c2, edge2);
            a.sync("site", 0);
            b.sync("site", 0);
            editMiddles(20, "an inserted line of about forty bytes\n");
            byte[] blob = Files.readAllBytes(src.resolve("lib/deep/blob.bin"));
            for (int at = 100_000; at < blob.length; at += 700_000) { // a few edits in a 3 MiB binary
                blob[at] ^= 0x5A;
            }
            Files.write(src.resolve("lib/deep/blob.bin"), blob);
            age(src);
            pub.publish(src);
            int stored;
            try (PatchPack pack = PatchPack.open(DatasetStore.open(originData, "site").patchFile(1, 2))) {
                assertNotNull(pack, "the publish stored the patches from v1");
                stored = pack.size();
            }
            assertTrue(stored >= 24, "20 edited text files and a few pieces of the blob: " + stored);
            SyncResult ra = a.sync("site", 0);
            assertEquals(stored, service.storedPatchesServed(), "every stored piece went to the first edge");
            SyncResult rb = b.sync("site", 0);
            assertEquals(2L * stored, service.storedPatchesServed(), "and the same to the second");
            assertMatches(edgeData, src);
            assertMatches(edge2, src);
            assertDataWasPatches(ra);
            assertDataWasPatches(rb);
        }
    }

    @Test
    void aChunkIndexBuiltWhileIdle_isPlannedAgainst_onlyWhileTheSameReleasesAreRetained() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            sync.sync("site", 0);
            sync.prepareIndex("site", () -> true); // a version arrived meanwhile: nothing built
            sync.prepareIndex("site", () -> false);
            Files.move(src.resolve("lib/deep/blob.bin"), src.resolve("lib/moved.bin"));
            Files.delete(src.resolve("latest"));
            Files.createSymbolicLink(src.resolve("latest"), Path.of("lib/moved.bin"));
            age(src);
            pub.publish(src);
            SyncResult moved = sync.sync("site", 0);
            assertTrue(sync.lastIndexAhead, "the index built while idle was used");
            assertMatches(edgeData, src);
            assertEquals(0, moved.bytesFetched(), "the moved 3 MiB were found through that index");

            sync.prepareIndex("site", () -> false); // covers v1 and v2
            assertEquals(List.of(1L), DatasetStore.open(edgeData, "site").prune(1), "another process pruned v1");
            editMiddles(5, "a line added after the prune\n");
            pub.publish(src);
            assertEquals(3, sync.sync("site", 0).version());
            assertFalse(sync.lastIndexAhead, "an index of releases no longer all retained is not used");
            assertMatches(edgeData, src);

            editMiddles(3, "and one more\n");
            pub.publish(src);
            sync.sync("site", 0);
            assertFalse(sync.lastIndexAhead, "none was built since: the sync built its own");
            assertMatches(edgeData, src);
        }
    }

    @Test
    void afterARestart_theFirstIdlePassKeepsTheCurrentManifest_andOnlyThatOne() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        editMiddles(4, "a second release\n");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            new Syncer(c, edgeData).sync("site", 1);
            new Syncer(c, edgeData).sync("site", 2);
            Syncer restarted = new Syncer(c, edgeData); // a node started again: nothing decoded yet
            assertFalse(restarted.knows("site", 2));
            restarted.prepareMirror("site", () -> true); // a version arrived meanwhile: nothing read
            assertFalse(restarted.knows("site", 2));
            restarted.prepareMirror("site", () -> false);
            assertTrue(restarted.knows("site", 2), "the current release's manifest is kept for the next sync");
            restarted.prepareIndex("site", () -> false);
            assertFalse(restarted.knows("site", 1), "a retained release decoded for the index is not kept");
            editMiddles(3, "a third release\n");
            pub.publish(src);
            SyncResult r = restarted.sync("site", 0);
            assertEquals(3, r.version());
            assertMatches(edgeData, src);
            assertTrue(restarted.knows("site", 3));
        }
    }

    @Test
    void aBigFileWithEdits_copiesItsLocalChunksWhileItsRangesAreFetched() throws Exception {
        Path img = src.resolve("lib/deep/disk.img");
        byte[] b = new byte[9 << 20];
        new Random(8).nextBytes(b);
        Files.write(img, b);
        age(src);
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            sync.sync("site", 0);
            for (int k = 1; k <= 8; k++) { // edits through the file: copies and ranges interleave
                b[b.length / 9 * k] ^= 1;
            }
            Files.write(img, b);
            age(src);
            pub.publish(src);
            SyncResult r = sync.sync("site", 0);
            assertEquals(2, r.version());
            assertMatches(edgeData, src);
            assertTrue(r.bytesFetched() > 0 && r.bytesFetched() < 2 << 20, "fetched " + r.bytesFetched());
            assertTrue(sync.lastCopiedAlongside > 7 << 20, "copied alongside the fetch: " + sync.lastCopiedAlongside);
        }
    }

    @Test
    void aChangedOldCopyOnTheEdge_isCaughtByTheChunkIdsAndRefetchedWithoutReference() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            Syncer sync = new Syncer(c, edgeData);
            sync.sync("site", 0);
            // Bytes of the edge's committed v1 change in place (a bad disk, an operator) right where
            // the next release edits: those old chunks are not reused, but the windows the edge
            // reads no longer hold what the origin patched against. (Damage elsewhere fails the
            // sync at its SHA-256 check, as it always did.)
            Path v1 = DatasetStore.open(edgeData, "site").releaseDir(1);
            for (int i = 0; i < 5; i++) {
                Path f = v1.resolve("lib/file" + i + ".txt");
                f.toFile().setWritable(true);
                byte[] b = Files.readAllBytes(f);
                for (int k = -3; k <= 3; k++) {
                    b[b.length / 2 + k] = 'X';
                }
                Files.write(f, b);
            }
            editMiddles(5, "another inserted line\n");
            pub.publish(src);
            SyncResult r = sync.sync("site", 0);
            assertEquals(2, r.version());
            assertMatches(edgeData, src);
        }
    }

    @Test
    void corruptChunkFromUpstream_isDetectedAndRefetched() throws Exception {
        new Publisher(originData, "site").publish(src);
        AtomicBoolean corrupted = new AtomicBoolean();
        ReleaseService real0 = new ReleaseService(originData, "default", SECRET, List.of());
        startOrigin(real0, new WrappedService(real0, (path, offset, dst, start, n) -> {
            if (path.endsWith("blob.bin") && n > 0 && corrupted.compareAndSet(false, true)) {
                dst.put(start, (byte) (dst.get(start) ^ 0x55)); // one bad byte, once
            }
        }));
        try (DeltaClient c = client()) {
            SyncResult r = new Syncer(c, edgeData).sync("site", 0);
            assertTrue(corrupted.get());
            assertEquals(1, r.version());
            assertTrue(r.bytesFetched() >= r.bytesTotal());
            assertMatches(edgeData, src);
        }
    }

    /**
     * An edge started before the origin's first publish waits on its subscription, and syncs v1
     * as soon as it is announced. It used to fail, disconnect and retry with a backoff doubling to
     * 15 s: by 3.7 s it had tried four times and would next try at 7.5 s.
     */
    @Test
    void anEdgeStartedBeforeTheFirstPublish_syncsItAsSoonAsItIsAnnounced() throws Exception {
        try (Node origin = Node.start(originNodeConfig())) {
            try (Node edge = Node.start(edgeNodeConfig(origin.port()))) {
                Thread.sleep(3_700);
                assertFalse(Files.exists(originData.resolve("site")), "a waiting edge makes nothing on the origin");
                new Publisher(originData, "site").publish(src);
                // From the publish's return: it syncs the file system before its switch, which
                // takes as long as the machine's other dirty pages need (in a CI run beside a big
                // delete, the publish and the edge's copy took 2.7 s together).
                long t0 = System.nanoTime();
                DatasetStore es = DatasetStore.open(edgeData, "site");
                long deadline = t0 + 30_000_000_000L;
                while (es.current().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(es.current().isPresent(), "v1 never arrived");
                assertTrue(ms < 2_500, "v1 applied " + ms + " ms after the publish returned");
                assertMatches(edgeData, src);
            }
        }
    }

    /** What a test does with an origin node and an edge node following it, the edge at v1. */
    private interface FollowingEdge {
        void run(Publisher pub, DatasetStore edge) throws Exception;
    }

    /** Publishes the source as v1, starts an origin node and an edge node following it, and waits for v1 there. */
    private void withAFollowingEdgeAtV1(FollowingEdge body) throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        try (Node origin = Node.start(originNodeConfig());
             Node edge = Node.start(edgeNodeConfig(origin.port()))) {
            DatasetStore es = DatasetStore.open(edgeData, "site");
            waitFor(() -> es.current().isPresent() && es.current().getAsLong() == 1);
            body.run(pub, es);
        }
    }

    @Test
    void edgeNode_followsPublishesOnItsOwn() throws Exception {
        withAFollowingEdgeAtV1((pub, es) -> {
            Path mirrors = edgeData.resolve("site/.delta/mirror");
            if (Files.isReadable(Path.of("/proc/sys/kernel/random/boot_id"))) { // where mirrors are made
                waitFor(() -> readyMirrors(mirrors) == 1); // idle: v1 linked again for the next build
            }
            Files.writeString(src.resolve("lib/file1.txt"), "rewritten\n");
            age(src);
            pub.publish(src);
            waitFor(() -> es.current().getAsLong() == 2);
            assertMatches(edgeData, src);
            Path v1 = edgeData.resolve("site/releases/v1/lib/file1.txt");
            assertEquals(1, (Integer) Files.getAttribute(v1, "unix:nlink"),
                    "the edited file of v1 was never linked into v2");
        });
    }

    @Test
    void aFollowingEdge_writesASpareWhileIdle_andItsNextUpdateOfABigFileIsWrittenOverIt() throws Exception {
        Path img = src.resolve("lib/deep/release.tar");
        byte[] b = new byte[(int) ReleaseSpare.MIN_BYTES + (1 << 20)];
        new Random(9).nextBytes(b);
        Files.write(img, b);
        age(src);
        withAFollowingEdgeAtV1((pub, es) -> {
            long want = ReleaseSpare.wanted(es.manifest(1));
            assertTrue(want > b.length, "a spare with room to grow: " + want);
            waitFor(() -> ReleaseSpare.size(es) == want); // idle: the spare is written
            Object spare = Files.readAttributes(ReleaseSpare.file(es), BasicFileAttributes.class).fileKey();
            byte[] v2 = new byte[b.length + 3000]; // bytes inserted near the start: the rest moves
            System.arraycopy(b, 0, v2, 0, 1 << 20);
            System.arraycopy(b, 1 << 20, v2, (1 << 20) + 3000, b.length - (1 << 20));
            Files.write(img, v2);
            age(src);
            pub.publish(src);
            waitFor(() -> es.current().getAsLong() == 2);
            assertMatches(edgeData, src);
            Path now = es.currentLink().resolve("lib/deep/release.tar");
            assertEquals(spare, Files.readAttributes(now, BasicFileAttributes.class).fileKey(),
                    "v2's big file is the spare, written over");
            assertEquals(v2.length, Files.size(now));
            // idle again: another spare for the next update, v1's copy untouched
            waitFor(() -> ReleaseSpare.size(es) >= ReleaseSpare.wanted(es.manifest(2)));
            assertMatches(edgeData, src);
            assertEquals(b.length, Files.size(es.releaseDir(1).resolve("lib/deep/release.tar")));
        });
    }

    private static long readyMirrors(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ready")).count();
        }
    }

    @Test
    void diskErrorOnTheEdge_failsTheSyncAndLeavesCurrentIntact() throws Exception {
        Publisher pub = new Publisher(originData, "site");
        pub.publish(src);
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            new Syncer(c, edgeData).sync("site", 0);
            Files.writeString(src.resolve("lib/file2.txt"), "v2\n");
            age(src);
            pub.publish(src);
            // The staging area cannot be created: what a full disk or a read-only mount looks like.
            Path staging = edgeData.resolve("site/.delta/staging");
            Files.delete(staging);
            Files.writeString(staging, "not a directory");
            String before = Files.readString(edgeData.resolve("site/current/lib/file2.txt"));
            IOException e = assertThrows(IOException.class, () -> new Syncer(c, edgeData).sync("site", 0));
            assertTrue(e.getMessage().contains("staging"), e.getMessage());
            assertEquals(Path.of("releases/v1"), Files.readSymbolicLink(edgeData.resolve("site/current")),
                    "current still points at the complete v1");
            assertEquals(before, Files.readString(edgeData.resolve("site/current/lib/file2.txt")));
            // Once the disk is fixed, the next sync completes.
            Files.delete(staging);
            assertEquals(2, new Syncer(c, edgeData).sync("site", 0).version());
            assertMatches(edgeData, src);
        }
    }

    @Test
    void hostileUpstream_manifestWithAPathBelowASymlinkIsRejectedAndNothingOutsideIsTouched() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        // An origin that publishes a tree whose symlink points outside, with a file "below" it.
        byte[] x = "pwned".getBytes(StandardCharsets.UTF_8);
        dev.delta.engine.chunk.ChunkList cl = dev.delta.engine.chunk.ChunkList.builder()
                .add(x.length, dev.delta.engine.hash.ChunkId.hash(x, 0, x.length)).build();
        Manifest evil = new Manifest("site", 1, 0, 0, dev.delta.engine.chunk.ChunkerParams.DEFAULT, List.of(
                dev.delta.engine.manifest.Entry.symlink("escape", outside.toString(), 0),
                dev.delta.engine.manifest.Entry.file("escape/pwned.txt", 0644, 0, x.length,
                        dev.delta.engine.hash.Sha256.of(x), cl)));
        byte[] enc = new dev.delta.engine.manifest.ManifestCodec().encode(evil);
        Path store = Files.createDirectories(originData.resolve("site/releases/v1"));
        Files.createDirectories(originData.resolve("site/.delta/manifests"));
        Files.write(originData.resolve("site/.delta/manifests/v1.dm"), enc);
        Files.createSymbolicLink(originData.resolve("site/current"), Path.of("releases/v1"));
        assertTrue(Files.isDirectory(store));
        startOrigin(new ReleaseService(originData, "default", SECRET, List.of()));
        try (DeltaClient c = client()) {
            StoreException e = assertThrows(StoreException.class, () -> new Syncer(c, edgeData).sync("site", 0));
            assertTrue(e.getMessage().contains("unsafe manifest"), e.getMessage());
        }
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written outside the data directory");
        }
        assertTrue(DatasetStore.open(edgeData, "site").current().isEmpty());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check c) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (c.ok()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("condition not reached in 30 s");
    }
}
