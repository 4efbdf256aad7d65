package dev.delta.protocol.auth;

import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.RawPeer;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.ErrorKind;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.ProtocolVersion;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HMAC handshake: right secret in, anything else gets one ERROR and a closed connection. */
@Timeout(20)
class AuthTest {
    private static final byte[] SECRET = "right".getBytes(StandardCharsets.US_ASCII);
    private DeltaServer server;

    @BeforeEach
    void start() throws Exception {
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[] {1, 2, 3}, Map.of()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void wrongSecret_errorThenClose_nothingElseSent() throws Exception {
        try (RawPeer peer = new RawPeer(server.port())) {
            Bytes32 nonce = HmacProof.nonce();
            peer.send(new Hello(1, 1, nonce, "edge"));
            Challenge c = assertInstanceOf(Challenge.class, peer.read());
            Bytes32 proof = HmacProof.compute("wrong".getBytes(StandardCharsets.US_ASCII), HmacProof.CLIENT_LABEL,
                    c.version(), nonce, c.serverNonce(), "edge");
            peer.send(new Auth(proof, 1 << 22, 1 << 17));
            peer.send(new GetManifest(1, "site", 0, 0));
            List<Message> rest = peer.readUntilClosed();
            assertEquals(List.of(new ErrorMessage(0, ErrorCode.AUTH_FAILED.code(), "authentication failed")), rest);
        }
    }

    @Test
    void rightSecret_serverProvesItToo() throws Exception {
        try (RawPeer peer = new RawPeer(server.port())) {
            Bytes32 nonce = HmacProof.nonce();
            peer.send(new Hello(1, 1, nonce, "edge"));
            Challenge c = assertInstanceOf(Challenge.class, peer.read());
            peer.send(new Auth(HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 1, nonce, c.serverNonce(), "edge"),
                    1 << 22, 1 << 17));
            HelloOk ok = assertInstanceOf(HelloOk.class, peer.read());
            assertTrue(HmacProof.matches(HmacProof.compute(SECRET, HmacProof.SERVER_LABEL, 1, nonce, c.serverNonce(),
                    "edge"), ok.proof()));
        }
    }

    @Test
    void requestBeforeAuth_protocolErrorThenClose() throws Exception {
        try (RawPeer peer = new RawPeer(server.port())) {
            peer.send(new GetManifest(1, "site", 0, 0));
            List<Message> rest = peer.readUntilClosed();
            assertEquals(1, rest.size());
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), ((ErrorMessage) rest.get(0)).code());
        }
    }

    @Test
    void noCommonVersion_unsupportedVersionThenClose() throws Exception {
        try (RawPeer peer = new RawPeer(server.port())) {
            peer.send(new Hello(ProtocolVersion.CURRENT + 1, ProtocolVersion.CURRENT + 5, HmacProof.nonce(), "edge"));
            List<Message> rest = peer.readUntilClosed();
            assertEquals(1, rest.size());
            assertEquals(ErrorCode.UNSUPPORTED_VERSION.code(), ((ErrorMessage) rest.get(0)).code());
        }
    }

    @Test
    void client_wrongSecret_authFailed() {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.connect(
                ClientConfig.of("127.0.0.1", server.port(), "edge", "wrong".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(ErrorKind.AUTH_FAILED, e.kind());
    }

    @Test
    void client_unknownKey_authFailed() {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.connect(
                ClientConfig.of("127.0.0.1", server.port(), "stranger", SECRET)));
        assertEquals(ErrorKind.AUTH_FAILED, e.kind());
    }

    @Test
    void client_rightSecret_connects() throws Exception {
        try (DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET))) {
            assertEquals(3, DeltaClient.await(c.fetchManifest("site", 0, 0)).bytes().length);
        }
    }

    @Test
    void proof_dependsOnEveryInput() {
        Bytes32 a = Samples.counting(1);
        Bytes32 b = Samples.counting(2);
        Bytes32 base = HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 1, a, b, "k");
        assertTrue(HmacProof.matches(base, HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 1, a, b, "k")));
        for (Bytes32 other : List.of(
                HmacProof.compute(SECRET, HmacProof.SERVER_LABEL, 1, a, b, "k"),
                HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 2, a, b, "k"),
                HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 1, b, a, "k"),
                HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 1, a, b, "j"),
                HmacProof.compute("x".getBytes(StandardCharsets.US_ASCII), HmacProof.CLIENT_LABEL, 1, a, b, "k"))) {
            assertTrue(!HmacProof.matches(base, other));
        }
    }
}
