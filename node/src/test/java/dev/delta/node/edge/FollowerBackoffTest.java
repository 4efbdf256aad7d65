package dev.delta.node.edge;

import dev.delta.node.config.NodeConfig;
import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.server.AnnounceListener;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class FollowerBackoffTest {
    private static final String SECRET = "a-test-secret-of-enough-length";

    @TempDir
    Path tmp;

    /**
     * A sync that fails on a connection that works (here: a dataset the upstream does not serve
     * to this key; one it merely has no version of yet is waited for on the subscription,
     * OriginEdgeTest) is tried again after 0.5 s, 1 s, 2 s, ..., not every half second: four tries
     * in four seconds at most, where resetting the wait on every connect made eight.
     */
    @Test
    void aSyncThatKeepsFailing_isTriedLessAndLessOften() throws Exception {
        ReleaseService svc = new ReleaseService(tmp.resolve("origin"), "default",
                SECRET.getBytes(StandardCharsets.UTF_8), List.of("other"));
        AtomicInteger tries = new AtomicInteger();
        WrappedService counting = new WrappedService(svc, (path, offset, dst, start, n) -> { }) {
            @Override
            public AutoCloseable subscribe(String dataset, AnnounceListener l) throws DatasetException {
                tries.incrementAndGet();
                return super.subscribe(dataset, l);
            }
        };
        DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), counting);
        try {
            NodeConfig cfg = NodeConfig.parse("{\"role\": \"edge\", \"upstream\": \"127.0.0.1:" + server.port()
                    + "\", \"datasets\": [\"later\"], \"data_dir\": \"edge\", \"secret\": \"" + SECRET + "\"}", tmp);
            try (Follower f = new Follower(cfg, "later").start()) {
                Thread.sleep(4_000);
            }
        } finally {
            server.close();
            svc.close();
        }
        int n = tries.get();
        assertTrue(n >= 2, "it does try again: " + n);
        assertTrue(n <= 5, "but waits longer each time: " + n + " tries in 4 s");
    }
}
