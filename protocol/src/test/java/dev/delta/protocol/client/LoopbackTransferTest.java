package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 256 MiB of ranges over loopback, half incompressible and half text, every piece compared with
 * the source as it arrives; wire bytes show that text went compressed and random bytes raw.
 */
@Tag("integration")
class LoopbackTransferTest {
    private static final int FILE = 64 * 1024 * 1024;
    private static final byte[] SECRET = "loopback-secret".getBytes(StandardCharsets.US_ASCII);
    private static ByteBuffer random;
    private static ByteBuffer text;
    private static DeltaServer server;

    @BeforeAll
    static void start() throws IOException {
        random = Content.random(FILE, 1);
        text = Content.text(FILE, 2);
        Map<String, ByteBuffer> files = new LinkedHashMap<>();
        files.put("random-a.bin", random);
        files.put("random-b.bin", random);
        files.put("text-a.txt", text);
        files.put("text-b.txt", text);
        InMemoryDatasetService service = new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[] {1}, files);
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @Timeout(120)
    void transfer256MiB_mixedContent_verifiedOnArrival() throws Exception {
        ClientConfig config = ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET).withMaxInFlight(4);
        AtomicLong verified = new AtomicLong();
        long textBytes;
        long randomBytes;
        try (DeltaClient client = DeltaClient.connect(config)) {
            long start = System.nanoTime();
            long before = client.wireBytesReceived();
            randomBytes = fetch(client, List.of("random-a.bin", "random-b.bin"), random, verified);
            long afterRandom = client.wireBytesReceived();
            textBytes = fetch(client, List.of("text-a.txt", "text-b.txt"), text, verified);
            long afterText = client.wireBytesReceived();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("256 MiB in %.2f s (%.0f MiB/s); wire random %.3f of payload, text %.3f%n", seconds,
                    256 / seconds, (afterRandom - before) / (double) randomBytes, (afterText - afterRandom) / (double) textBytes);
            assertTrue(afterRandom - before >= randomBytes, "random bytes cannot shrink on the wire");
            assertTrue(afterRandom - before < randomBytes * 1.01, "raw pieces add only small headers");
            assertTrue(afterText - afterRandom < textBytes * 0.6, "text must travel compressed: "
                    + (afterText - afterRandom) + " wire bytes for " + textBytes);
            assertTrue(client.wireBytesSent() > 0);
        }
        assertEquals(4L * FILE, randomBytes + textBytes);
        assertEquals(4L * FILE, verified.get());
    }

    /** Each file in 1 MiB ranges with 4 KiB gaps skipped, 32 ranges per request, requests pipelined. */
    private static long fetch(DeltaClient client, List<String> paths, ByteBuffer source, AtomicLong verified)
            throws DeltaException {
        List<CompletableFuture<RangeResult>> futures = new ArrayList<>();
        long expected = 0;
        for (String path : paths) {
            List<ByteRange> ranges = new ArrayList<>();
            for (long off = 0; off < FILE; off += 1 << 20) {
                ranges.add(new ByteRange(off, 1 << 20));
                expected += 1 << 20;
                if (ranges.size() == 32) {
                    futures.add(client.fetchRanges("site", 1, path, ranges, verifier(source, verified)));
                    ranges = new ArrayList<>();
                }
            }
        }
        long got = 0;
        for (CompletableFuture<RangeResult> f : futures) {
            got += DeltaClient.await(f).bytes();
        }
        assertEquals(expected, got);
        return got;
    }

    private static RangeHandler verifier(ByteBuffer source, AtomicLong verified) {
        return (range, offset, data) -> {
            int n = data.remaining();
            ByteBuffer want = source.slice((int) offset, n);
            if (want.mismatch(data) != -1) {
                throw new AssertionError("content differs at " + offset);
            }
            verified.addAndGet(n);
        };
    }
}
