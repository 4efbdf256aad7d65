package dev.delta.protocol.handler;

import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.RawPeer;
import dev.delta.protocol.auth.HmacProof;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idle connections are probed with PING and closed with TIMEOUT; unfinished handshakes are closed too. */
@Timeout(20)
class KeepAliveTest {
    private static DeltaServer server(Duration idle) throws Exception {
        return DeltaServer.start(ServerConfig.of("127.0.0.1", 0).withIdleTimeout(idle),
                new InMemoryDatasetService().key("edge", new byte[] {1}));
    }

    @Test
    void silentPeer_isPingedThenTimedOut() throws Exception {
        try (DeltaServer server = server(Duration.ofMillis(300)); RawPeer peer = new RawPeer(server.port())) {
            Bytes32 nonce = HmacProof.nonce();
            peer.send(new Hello(1, 1, nonce, "edge"));
            Challenge c = (Challenge) peer.read();
            peer.send(new Auth(HmacProof.compute(new byte[] {1}, HmacProof.CLIENT_LABEL, 1, nonce, c.serverNonce(), "edge"),
                    1 << 22, 1 << 17));
            List<Message> all = peer.readUntilClosed();
            assertEquals(3, all.size(), all::toString);
            assertInstanceOf(HelloOk.class, all.get(0));
            assertInstanceOf(Ping.class, all.get(1));
            assertEquals(ErrorCode.TIMEOUT.code(), ((ErrorMessage) all.get(2)).code());
        }
    }

    @Test
    void peerAnsweringPingsButNeverAuthenticating_isClosedAfterTheHandshakeDeadline() throws Exception {
        try (DeltaServer server = server(Duration.ofMillis(200)); RawPeer peer = new RawPeer(server.port())) {
            long start = System.nanoTime();
            for (Message m; (m = peer.read()) != null; ) {
                if (m instanceof Ping p) {
                    peer.send(new Pong(p.nonce()));
                } else {
                    assertEquals(ErrorCode.TIMEOUT.code(), ((ErrorMessage) m).code());
                }
            }
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "closed within the deadline, not kept alive by PONGs");
        }
    }

    /** Once authenticated (before, a PING is out of turn: HostilePeerTest). */
    @Test
    void pingIsAnsweredWithTheSameNonce() throws Exception {
        try (DeltaServer server = server(Duration.ofSeconds(5)); RawPeer peer = new RawPeer(server.port())) {
            Bytes32 nonce = HmacProof.nonce();
            peer.send(new Hello(1, 1, nonce, "edge"));
            Challenge c = (Challenge) peer.read();
            peer.send(new Auth(HmacProof.compute(new byte[] {1}, HmacProof.CLIENT_LABEL, 1, nonce, c.serverNonce(), "edge"),
                    1 << 22, 1 << 17));
            assertInstanceOf(HelloOk.class, peer.read());
            peer.send(new Ping(77));
            assertEquals(new Pong(77), peer.read());
        }
    }
}
