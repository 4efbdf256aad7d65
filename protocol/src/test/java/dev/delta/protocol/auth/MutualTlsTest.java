package dev.delta.protocol.auth;

import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.TlsInspector;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.Samples;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mutual TLS 1.3 from PEM files: both certificates signed by the trusted CA, or no connection. */
@Timeout(30)
class MutualTlsTest {
    private static final byte[] SECRET = "tls-secret".getBytes(StandardCharsets.US_ASCII);
    @TempDir
    static Path dir;
    private static TlsFiles serverFiles;
    private static TlsFiles clientFiles;
    private static TlsFiles strangerFiles;
    private static DeltaServer server;

    @BeforeAll
    static void start() throws Exception {
        Instant now = Instant.now();
        CertificateBuilder base = new CertificateBuilder().ecp256()
                .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS));
        X509Bundle ca = base.copy().subject("CN=delta test ca").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle other = base.copy().subject("CN=other ca").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle serverCert = base.copy().subject("CN=origin").addSanIpAddress("127.0.0.1").buildIssuedBy(ca);
        X509Bundle clientCert = base.copy().subject("CN=edge").buildIssuedBy(ca);
        X509Bundle stranger = base.copy().subject("CN=stranger").buildIssuedBy(other);
        serverFiles = files("server", serverCert, ca);
        clientFiles = files("client", clientCert, ca);
        strangerFiles = files("stranger", stranger, ca);
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0).withTls(serverFiles), new InMemoryDatasetService()
                .key("edge", SECRET).version("site", 1, Samples.repeated(1), new byte[] {4, 5, 6}, Map.of()));
    }

    private static TlsFiles files(String name, X509Bundle cert, X509Bundle ca) throws Exception {
        Path chain = Files.writeString(dir.resolve(name + "-chain.pem"), cert.getCertificatePathPEM());
        Path key = Files.writeString(dir.resolve(name + "-key.pem"), cert.getPrivateKeyPEM());
        Path trust = Files.writeString(dir.resolve(name + "-ca.pem"), ca.getCertificatePEM());
        return new TlsFiles(chain, key, trust);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void trustedClient_connectsOverTls13() throws Exception {
        try (DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET)
                .withTls(clientFiles))) {
            assertArrayEquals(new byte[] {4, 5, 6}, DeltaClient.await(c.fetchManifest("site", 0, 0)).bytes());
            assertTrue(TlsInspector.protocol(c).equals("TLSv1.3"), TlsInspector.protocol(c));
            assertTrue(c.wireBytesReceived() > 500, "the TLS handshake is counted on the wire");
        }
    }

    @Test
    void clientFromAnotherCa_isRefused() {
        assertThrows(DeltaException.class, () -> DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge",
                SECRET).withTls(strangerFiles)));
    }

    @Test
    void plainClient_isRefused_andTheServerLogsIt() throws Exception {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThrows(DeltaException.class, () -> DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(),
                    "edge", SECRET)));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (!log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("rejected: TLS handshake failed")
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            System.setErr(saved);
        }
        String logged = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(logged.contains("rejected: TLS handshake failed"), "one line per rejected peer: " + logged);
    }
}
