package dev.delta.protocol.server;

import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a server's log says about an authenticated peer: refused requests, and its disconnect. */
@Timeout(30)
class ServerLogTest {
    private static final byte[] SECRET = "right-secret-0123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aRefusedRequestAndTheDisconnect_eachGetALine() throws Exception {
        InMemoryDatasetService service = new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[]{1, 2, 3}, Map.of());
        ServerSession.REFUSALS.reset();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        String log;
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service)) {
            try (DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET))) {
                assertThrows(DeltaException.class, () -> DeltaClient.await(c.fetchManifest("no\nsuch", 0, 0)));
                DeltaClient.await(c.fetchManifest("site", 0, 0));
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            do {
                Thread.sleep(20);
                log = captured.toString(StandardCharsets.UTF_8);
            } while (!log.contains("disconnected") && System.nanoTime() < deadline);
        } finally {
            System.setErr(err);
        }
        assertTrue(log.contains("('edge'): request refused, UNKNOWN_DATASET:"), log);
        assertTrue(log.contains("no dataset no\\x0asuch"), "the peer's dataset name, escaped: " + log);
        assertTrue(log.matches("(?s).*peer /127\\.0\\.0\\.1:\\d+ \\('edge'\\) disconnected after \\d+\\.\\d s, "
                + "2 request\\(s\\).*"), log);
    }
}
