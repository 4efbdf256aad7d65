package dev.delta.protocol.server;

import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.ErrorKind;
import dev.delta.protocol.codec.FrameDecoder;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.PeerText;
import dev.delta.protocol.wire.Samples;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one peer may cost a server before it authenticates, and after. */
@Timeout(30)
class HostilePeerTest {
    private static final byte[] SECRET = "right-secret-0123456789".getBytes(StandardCharsets.US_ASCII);

    private static InMemoryDatasetService service() {
        return new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[]{1, 2, 3}, Map.of());
    }

    /**
     * A frame sent a byte at a time: the server's decoder holds it in one buffer. With a composite
     * buffer (a client's), each read is a component of its own: about 200 bytes of heap for each
     * byte, which let 150 unauthenticated peers exhaust a 256 MB server.
     */
    @Test
    void aFrameTrickledByteByByte_isHeldInOneBufferByTheServer() {
        for (boolean composite : new boolean[]{false, true}) {
            FrameDecoder d = new FrameDecoder(Limits.DEFAULT, composite);
            EmbeddedChannel ch = new EmbeddedChannel(d);
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{0, 4, 0, 0})); // a 262,144-byte frame announced
            for (int i = 0; i < 5_000; i++) {
                ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{7}));
            }
            int parts = d.bufferedParts();
            if (composite) {
                assertTrue(parts > 1000, "a client's reads stay apart: " + parts);
            } else {
                assertEquals(1, parts, "a server's reads are merged");
            }
            ch.finishAndReleaseAll();
        }
    }

    /** Connections over the per-address limit are closed at once; closing one makes room. */
    @Test
    void connectionsOverTheLimitAreClosedAtOnce() throws Exception {
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0).withConnectionLimits(100, 2),
                service())) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    held.add(new Socket("127.0.0.1", server.port()));
                }
                for (Socket s : held) {
                    assertTrue(staysOpen(s), "within the limit: kept");
                }
                try (Socket third = new Socket("127.0.0.1", server.port())) {
                    assertEquals(-1, readWithin(third, 5000), "over the limit: closed without a byte");
                }
                held.remove(0).close();
                Thread.sleep(200);
                try (Socket again = new Socket("127.0.0.1", server.port())) {
                    assertTrue(staysOpen(again), "a closed connection gave its place back");
                }
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            Thread.sleep(200);
            try (DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET))) {
                assertEquals(1, DeltaClient.await(c.fetchManifest("site", 0, 0)).header().version());
            }
        }
    }

    /** One connection holds at most {@value ServerSession#MAX_SUBSCRIPTIONS} subscriptions. */
    @Test
    void subscriptionsPerConnectionAreBounded() throws Exception {
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service());
             DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET))) {
            java.util.concurrent.atomic.AtomicInteger refusedEarly = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < ServerSession.MAX_SUBSCRIPTIONS; i++) {
                c.subscribe("site", new dev.delta.protocol.client.AnnouncementListener() {
                    @Override
                    public void onAnnounce(dev.delta.protocol.client.Announcement a) {
                    }

                    @Override
                    public void onClosed(DeltaException reason) {
                        refusedEarly.incrementAndGet();
                    }
                });
            }
            java.util.concurrent.CompletableFuture<DeltaException> refused = new java.util.concurrent.CompletableFuture<>();
            c.subscribe("site", new dev.delta.protocol.client.AnnouncementListener() {
                @Override
                public void onAnnounce(dev.delta.protocol.client.Announcement a) {
                }

                @Override
                public void onClosed(DeltaException reason) {
                    refused.complete(reason);
                }
            });
            DeltaException e = refused.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(ErrorKind.LIMIT_EXCEEDED, e.kind(), e.getMessage());
            assertEquals(0, refusedEarly.get(), "the first " + ServerSession.MAX_SUBSCRIPTIONS + " stand");
        }
    }

    @Test
    void peerTextCannotForgeALogLine() {
        assertEquals("x\\x0a2026 INFO forged\\x1b[31m", PeerText.printable("x\n2026 INFO forged\u001b[31m"));
        assertEquals("a\\\\x0a", PeerText.printable("a\\x0a"), "a literal backslash stays distinguishable");
        assertEquals("plain 'text' é", PeerText.printable("plain 'text' é"));
    }

    @Test
    void logBudgetSumsUpAFlood() {
        LogBudget b = new LogBudget(3, Duration.ofMinutes(1));
        org.slf4j.Logger quiet = org.slf4j.helpers.NOPLogger.NOP_LOGGER;
        for (int i = 0; i < 10; i++) {
            b.warn(quiet, "line {}", i);
        }
        assertEquals(7, b.suppressed());
    }

    /** Before the handshake a PING is a message out of turn: an ERROR and a closed link, no PONG. */
    @Test
    void aPingBeforeTheHandshake_isAnsweredWithAnErrorNotAPong() throws Exception {
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service());
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(dev.delta.protocol.codec.Codec.encode(new dev.delta.protocol.wire.Ping(7)));
            s.setSoTimeout(5000);
            byte[] got = s.getInputStream().readAllBytes(); // until the server closes the link
            List<dev.delta.protocol.wire.Message> answers = dev.delta.protocol.codec.Codec.feed(
                    dev.delta.protocol.codec.Codec.decoder(Limits.DEFAULT), got);
            assertEquals(1, answers.size(), answers.toString());
            assertTrue(answers.get(0) instanceof dev.delta.protocol.wire.ErrorMessage, answers.toString());
        }
    }

    private static boolean staysOpen(Socket s) throws IOException {
        return readWithin(s, 300) == -2;
    }

    /** The first byte read within {@code millis}, -1 at end of stream, -2 when nothing came. */
    private static int readWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            return -2;
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }
}
