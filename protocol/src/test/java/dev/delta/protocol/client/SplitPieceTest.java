package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client reads at most {@link DeltaClient#MAX_READ} bytes at a time, so an incompressible
 * 128 KiB DATA piece always spans several reads. Its parts must reach the handler as they are (no
 * part larger than one read, none merged by a copy), contiguous, and together exactly the source.
 */
@Timeout(30)
class SplitPieceTest {
    private static final byte[] SECRET = "split".getBytes(StandardCharsets.US_ASCII);

    @Test
    void piecesLargerThanARead_arriveInPartsThatVerify() throws Exception {
        int size = 4 << 20;
        ByteBuffer file = Content.random(size, 5);
        InMemoryDatasetService service = new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[] {1}, Map.of("r.bin", file));
        assertTrue(Limits.DEFAULT_DATA_PIECE > DeltaClient.MAX_READ, "pieces must be larger than one read here");
        List<ByteRange> ranges = List.of(new ByteRange(0, 1 << 20), new ByteRange(3 << 20, 1 << 20),
                new ByteRange(12_345, 700_001));
        List<long[]> parts = new ArrayList<>();
        ByteBuffer got = ByteBuffer.allocate(size);
        RangeResult r;
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
             DeltaClient client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET))) {
            r = DeltaClient.await(client.fetchRanges("site", 1, "r.bin", ranges, (i, off, data) -> {
                parts.add(new long[] {i, off, data.remaining()});
                got.put((int) off, data, data.position(), data.remaining());
            }));
        }
        long total = ranges.stream().mapToLong(ByteRange::length).sum();
        assertEquals(total, r.bytes());
        assertTrue(parts.size() > r.pieces(), parts.size() + " parts for " + r.pieces() + " pieces: none was split");
        long expectedOffset = -1;
        int range = -1;
        long sum = 0;
        for (long[] p : parts) {
            assertTrue(p[2] > 0 && p[2] <= DeltaClient.MAX_READ, "part of " + p[2] + " bytes");
            if (p[0] != range) {
                range = (int) p[0];
                expectedOffset = ranges.get(range).offset();
            }
            assertEquals(expectedOffset, p[1], "parts of range " + range + " must be contiguous");
            expectedOffset += p[2];
            sum += p[2];
        }
        assertEquals(total, sum);
        for (ByteRange br : ranges) {
            int off = (int) br.offset();
            int len = (int) br.length();
            assertEquals(-1, file.slice(off, len).mismatch(got.slice(off, len)), "content of range at " + off);
        }
    }
}
