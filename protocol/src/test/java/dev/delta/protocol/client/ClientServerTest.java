package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ManifestKind;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client against a real server on loopback: manifests, announcements, errors, in-flight bound, timeouts. */
@Timeout(30)
class ClientServerTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.US_ASCII);
    private final byte[] manifest = Content.random(200_000, 9).array();
    private final ByteBuffer file = Content.text(1 << 20, 3);
    private InMemoryDatasetService service;
    private DeltaServer server;
    private DeltaClient client;

    @BeforeEach
    void start() throws Exception {
        service = new InMemoryDatasetService().key("edge", SECRET).forbid("edge", "secret-site")
                .version("site", 41, Samples.repeated(41), new byte[] {41}, Map.of("a.txt", file))
                .version("site", 42, Samples.repeated(42), manifest, Map.of("a.txt", file))
                .version("secret-site", 1, Samples.repeated(1), new byte[] {1}, Map.of());
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        client = DeltaClient.connect(config());
    }

    private ClientConfig config() {
        return ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void fetchManifest_latest_fullInSeveralParts() throws Exception {
        ManifestBytes m = DeltaClient.await(client.fetchManifest("site", 0, 0));
        assertEquals(new ManifestHeader(ManifestKind.FULL, 42, manifest.length, Samples.repeated(42)), m.header());
        assertArrayEquals(manifest, m.bytes());
    }

    @Test
    void fetchManifest_haveOlderVersion_getsDelta() throws Exception {
        ManifestBytes m = DeltaClient.await(client.fetchManifest("site", 42, 41));
        assertEquals(ManifestKind.DELTA, m.header().kind());
        assertArrayEquals(InMemoryDatasetService.delta(41, 42), m.bytes());
    }

    @Test
    void streamManifest_sinkSeesHeaderThenAllBytes() throws Exception {
        List<Integer> parts = new ArrayList<>();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        ManifestHeader h = DeltaClient.await(client.streamManifest("site", 42, 0, new ManifestSink() {
            @Override
            public void begin(ManifestHeader header) {
                assertEquals(42, header.version());
            }

            @Override
            public void part(ByteBuffer bytes) {
                parts.add(bytes.remaining());
                byte[] b = new byte[bytes.remaining()];
                bytes.get(b);
                got.writeBytes(b);
            }
        }));
        assertEquals(manifest.length, h.length());
        assertArrayEquals(manifest, got.toByteArray());
        assertEquals(2, parts.size(), "200 000 bytes in 128 KiB parts");
    }

    @Test
    void fetchRanges_severalRanges_deliveredInOrderAndExact() throws Exception {
        List<ByteRange> ranges = List.of(new ByteRange(10, 100_000), new ByteRange(500_000, 1), new ByteRange(1_000_000, 48_576));
        List<long[]> seen = new ArrayList<>();
        RangeResult r = DeltaClient.await(client.fetchRanges("site", 42, "a.txt", ranges, (i, off, data) -> {
            assertEquals(-1, file.slice((int) off, data.remaining()).mismatch(data));
            seen.add(new long[] {i, off, data.remaining()});
        }));
        assertEquals(148_577, r.bytes());
        assertEquals(0, seen.get(0)[0]);
        assertEquals(10, seen.get(0)[1]);
        long[] last = seen.get(seen.size() - 1);
        assertEquals(2, last[0]);
        assertEquals(1_048_576, last[1] + last[2]);
    }

    @Test
    void subscribe_announcesCurrentThenPublished_untilClosed() throws Exception {
        BlockingQueue<Announcement> got = new LinkedBlockingQueue<>();
        Subscription s = client.subscribe("site", got::add);
        assertEquals(new Announcement("site", 42, Samples.repeated(42)), got.poll(5, TimeUnit.SECONDS));
        service.publish("site", 43, Samples.repeated(43));
        assertEquals(new Announcement("site", 43, Samples.repeated(43)), got.poll(5, TimeUnit.SECONDS));
        s.close();
        DeltaClient.await(client.ping());
        service.publish("site", 44, Samples.repeated(44));
        DeltaClient.await(client.ping());
        assertNull(got.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void errors_carryKindAndCode() {
        assertRemote(ErrorCode.UNKNOWN_DATASET, ErrorKind.REMOTE_ERROR, client.fetchManifest("nope", 0, 0));
        assertRemote(ErrorCode.VERSION_MISMATCH, ErrorKind.VERSION_MISMATCH, client.fetchManifest("site", 7, 0));
        assertRemote(ErrorCode.FORBIDDEN, ErrorKind.REMOTE_ERROR, client.fetchManifest("secret-site", 0, 0));
        assertRemote(ErrorCode.NOT_FOUND, ErrorKind.REMOTE_ERROR,
                client.fetchRanges("site", 42, "b.txt", List.of(new ByteRange(0, 1)), (i, o, d) -> { }));
        DeltaException e = assertRemote(ErrorCode.RANGE_INVALID, ErrorKind.REMOTE_ERROR,
                client.fetchRanges("site", 42, "a.txt", List.of(new ByteRange(1 << 20, 1)), (i, o, d) -> { }));
        assertTrue(e.getMessage().contains("outside a.txt of 1048576 bytes"), e.getMessage());
        assertTrue(client.isOpen(), "request errors leave the connection usable");
    }

    private static DeltaException assertRemote(ErrorCode code, ErrorKind kind, CompletableFuture<?> f) {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(f));
        assertEquals(kind, e.kind());
        assertEquals(code, e.remoteError());
        return e;
    }

    @Test
    void handlerFailure_failsOnlyThatRequest() throws Exception {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(client.fetchRanges("site", 42,
                "a.txt", List.of(new ByteRange(0, 300_000)), (i, o, d) -> {
                    throw new IOException("disk full");
                })));
        assertEquals(ErrorKind.HANDLER_FAILED, e.kind());
        assertTrue(e.getMessage().contains("disk full"));
        assertEquals(5, DeltaClient.await(client.fetchRanges("site", 42, "a.txt", List.of(new ByteRange(0, 5)),
                (i, o, d) -> { })).bytes());
    }

    @Test
    void manySmallRequests_shareFlushesOnBothSides() throws Exception {
        int n = 256;
        long serverBefore = server.wireFlushes();
        long clientBefore = client.wireFlushes();
        List<CompletableFuture<RangeResult>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) { // a tree of small files: one request and one small DATA each
            all.add(client.fetchRanges("site", 42, "a.txt", List.of(new ByteRange(i * 100L, 100)), (x, o, d) -> { }));
        }
        for (CompletableFuture<RangeResult> f : all) {
            assertEquals(100, DeltaClient.await(f).bytes());
        }
        long serverFlushes = server.wireFlushes() - serverBefore;
        long clientFlushes = client.wireFlushes() - clientBefore;
        // Unconsolidated, each request is a flush of the client's and each answer one of the server's.
        assertTrue(serverFlushes < n / 2, serverFlushes + " server flushes for " + n + " answers");
        assertTrue(clientFlushes < n / 2, clientFlushes + " client flushes for " + n + " requests");
    }

    @Test
    void inFlightBound_limitsConcurrentRequestsAtTheServer() throws Exception {
        // A 1 MiB window: the server cannot finish an 8 MiB request before the next one arrives.
        try (DeltaClient c = DeltaClient.connect(config().withMaxInFlight(2).withReceiveWindow(1 << 20))) {
            List<CompletableFuture<RangeResult>> all = new ArrayList<>();
            List<ByteRange> eightMiB = java.util.Collections.nCopies(8, new ByteRange(0, 1 << 20));
            for (int i = 0; i < 12; i++) {
                all.add(c.fetchRanges("site", 42, "a.txt", eightMiB, (x, o, d) -> { }));
            }
            for (CompletableFuture<RangeResult> f : all) {
                assertEquals(8 << 20, DeltaClient.await(f).bytes());
            }
        }
        assertEquals(2, service.maxOpenSources.get(), "2 requests served at once, never more: each outlasts the window");
    }

    @Test
    void silentServer_requestTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        InputStream stalled = new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("stalled on purpose");
            }
        };
        InMemoryDatasetService slow = new InMemoryDatasetService() {
            @Override
            public ManifestStream openManifest(String dataset, long version, long have) {
                return new ManifestStream(ManifestKind.FULL, 1, 10, Samples.repeated(1), stalled);
            }
        };
        slow.key("edge", SECRET);
        try (DeltaServer s = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), slow);
             DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", s.port(), "edge", SECRET)
                     .withRequestTimeout(Duration.ofMillis(300)))) {
            DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(c.fetchManifest("x", 0, 0)));
            assertEquals(ErrorKind.TIMEOUT, e.kind());
            release.countDown();
        }
    }

    /**
     * A slow server: it sends one piece per request in turn, each read taking 150 ms, so each of
     * six requests waits six pieces (900 ms) for its next frame, longer than the 600 ms timeout,
     * while the connection gets frames every two pieces (the pump flushes every 256 KiB). Busy is
     * not stalled: nothing times out.
     */
    @Test
    void aBusySlowConnection_doesNotTimeOutRequestsWaitingTheirTurn() throws Exception {
        int piece = dev.delta.protocol.wire.Limits.DEFAULT_DATA_PIECE;
        int size = 3 * piece;
        Supplier<RangeSource> slow = () -> new RangeSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public int read(long offset, ByteBuffer dst) {
                try {
                    Thread.sleep(150); // a slow disk, on the server's I/O thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                int n = (int) Math.min(dst.remaining(), size - offset);
                dst.put(new byte[n]);
                return n;
            }
        };
        service.versionWithSources("slow", 1, Samples.repeated(9), new byte[] {9}, Map.of("f", slow));
        try (DeltaClient c = DeltaClient.connect(config().withRequestTimeout(Duration.ofMillis(600)))) {
            List<CompletableFuture<RangeResult>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(c.fetchRanges("slow", 1, "f", List.of(new ByteRange(0, size)),
                        (i2, o, data) -> data.position(data.limit())));
            }
            for (CompletableFuture<RangeResult> f : all) {
                assertEquals(size, DeltaClient.await(f).bytes());
            }
        }
    }

    @Test
    void serverStops_pendingRequestsFailPeerClosed() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<ByteRange> eightMiB = java.util.Collections.nCopies(8, new ByteRange(0, 1 << 20));
        CompletableFuture<RangeResult> f = client.fetchRanges("site", 42, "a.txt", eightMiB,
                (i, o, d) -> {
                    inHandler.countDown();
                    release.await(5, TimeUnit.SECONDS);
                });
        assertTrue(inHandler.await(5, TimeUnit.SECONDS));
        CompletableFuture<ManifestBytes> queued = client.fetchManifest("site", 0, 0);
        server.close();
        release.countDown();
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(queued));
        assertEquals(ErrorKind.PEER_CLOSED, e.kind());
        assertThrows(DeltaException.class, () -> DeltaClient.await(f));
    }

    @Test
    void ping_roundTrips() throws Exception {
        Duration rtt = DeltaClient.await(client.ping());
        assertTrue(rtt.toMillis() < 5000, rtt::toString);
    }

    @Test
    void precompressedBlocks_areSentAsIs() throws Exception {
        byte[] raw = new byte[70_000];
        Arrays.fill(raw, (byte) 'x');
        ByteBuffer block = ByteBuffer.wrap(net.jpountz.lz4.LZ4Factory.fastestInstance().highCompressor().compress(raw, 0, 65536));
        Supplier<RangeSource> source = () -> new RangeSource() {
            @Override
            public long size() {
                return raw.length;
            }

            @Override
            public int read(long offset, ByteBuffer dst) {
                throw new AssertionError("the precompressed block should have been used for offset " + offset);
            }

            @Override
            public int pieceLength(long offset, int max) {
                return Math.min(max, 65536);
            }

            @Override
            public ByteBuffer precompressed(long offset, int length) {
                return offset == 0 && length == 65536 ? block.duplicate() : null;
            }
        };
        service.versionWithSources("pre", 1, Samples.repeated(7), new byte[] {7}, Map.of("x", source));
        long before = client.wireBytesReceived();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        RangeResult r = DeltaClient.await(client.fetchRanges("pre", 1, "x", List.of(new ByteRange(0, 65536)),
                (i, o, d) -> {
                    byte[] b = new byte[d.remaining()];
                    d.get(b);
                    got.writeBytes(b);
                }));
        assertEquals(65536, r.bytes());
        assertArrayEquals(Arrays.copyOf(raw, 65536), got.toByteArray());
        assertTrue(client.wireBytesReceived() - before < 1024, "65536 x's as one small HC block");
    }

    @Test
    void clientMaxDataLength_capsServerPieces() throws Exception {
        dev.delta.protocol.wire.Limits small = new dev.delta.protocol.wire.Limits(64 * 1024, 16 * 1024, 4096, 4096, 1 << 30);
        ClientConfig d = config();
        ClientConfig c = new ClientConfig(d.host(), d.port(), d.keyId(), d.secret(), null, small, 1 << 20, 4,
                d.connectTimeout(), d.requestTimeout(), d.idleTimeout());
        java.util.concurrent.atomic.AtomicInteger largest = new java.util.concurrent.atomic.AtomicInteger();
        try (DeltaClient small16 = DeltaClient.connect(c)) {
            RangeResult r = DeltaClient.await(small16.fetchRanges("site", 42, "a.txt", List.of(new ByteRange(0, 1 << 20)),
                    (i, o, data) -> largest.accumulateAndGet(data.remaining(), Math::max)));
            assertEquals(64, r.pieces());
        }
        assertTrue(largest.get() <= 16 * 1024, "no piece above the client's max DATA length: " + largest.get());
    }
}
