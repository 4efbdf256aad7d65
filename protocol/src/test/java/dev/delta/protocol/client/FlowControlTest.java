package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Samples;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Credit-based flow control end to end: a stalled receiver caps what the sender reads and buffers. */
@Timeout(30)
class FlowControlTest {
    private static final byte[] SECRET = "flow".getBytes(StandardCharsets.US_ASCII);
    private static final int WINDOW = 1 << 20;
    private static final long ONE_GIB = 1L << 30;

    /** A 1 GiB file that repeats 1 MiB of random bytes. */
    private static RangeSource hugeFile(ByteBuffer pattern) {
        return new RangeSource() {
            @Override
            public long size() {
                return ONE_GIB;
            }

            @Override
            public int read(long offset, ByteBuffer dst) {
                int at = (int) (offset % pattern.capacity());
                int n = Math.min(dst.remaining(), pattern.capacity() - at);
                dst.put(pattern.slice(at, n));
                return n;
            }
        };
    }

    @Test
    void stalledReceiver_senderStaysWithinWindow() throws Exception {
        ByteBuffer pattern = Content.random(1 << 20, 5);
        Supplier<RangeSource> file = () -> hugeFile(pattern);
        InMemoryDatasetService service = new InMemoryDatasetService().key("edge", SECRET)
                .versionWithSources("big", 1, Samples.repeated(1), new byte[] {1}, Map.of("huge", file));
        CountDownLatch stall = new CountDownLatch(1);
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
             DeltaClient client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET)
                     .withReceiveWindow(WINDOW))) {
            long handshake = server.wireBytesSent();
            CompletableFuture<RangeResult> f = client.fetchRanges("big", 1, "huge",
                    List.of(new ByteRange(0, ONE_GIB)), (i, off, data) -> stall.await(20, TimeUnit.SECONDS));
            Thread.sleep(300);
            long read1 = service.bytesRead.get();
            long sent1 = server.wireBytesSent() - handshake;
            Thread.sleep(700);
            long read2 = service.bytesRead.get();
            long sent2 = server.wireBytesSent() - handshake;
            System.out.printf("stalled: server read %d, sent %d wire bytes, window %d%n", read2, sent2, WINDOW);
            assertTrue(read1 > 0, "the sender started");
            assertEquals(read1, read2, "the sender stopped while the receiver stalled");
            assertTrue(read2 <= WINDOW, "read " + read2 + " bytes with a window of " + WINDOW);
            assertTrue(sent2 <= WINDOW + (WINDOW / 65536) * (FrameLayout.HEADER_SIZE + FrameLayout.DATA_HEADER_SIZE), "sent " + sent2 + " wire bytes with a window of " + WINDOW);
            assertEquals(sent1, sent2);
            stall.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (service.bytesRead.get() < 8L * WINDOW && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(service.bytesRead.get() >= 8L * WINDOW, "credit flowed again once the receiver read");
            assertFalse(f.isDone());
        }
    }

    @Test
    void client_returnsCreditInHalfWindows_andRejectsDataBeyondCredit() {
        int window = 256 * 1024;
        ClientSession session = new ClientSession(ClientConfig.of("127.0.0.1", 1, "edge", SECRET).withReceiveWindow(window));
        EmbeddedChannel ch = new EmbeddedChannel(session);
        RangeRequest r = new RangeRequest("d", 1, "p", List.of(new ByteRange(0, 1 << 20)), (i, o, d) -> { });
        session.submit(r);
        GetRanges sent = ch.readOutbound();
        byte[] piece = new byte[16 * 1024];
        long credited = 0;
        for (int i = 0; i < 64; i++) {
            ch.writeInbound(new Data(sent.requestId(), i == 63 ? 0x02 : 0, 0, (long) i * piece.length, piece.length,
                    Unpooled.wrappedBuffer(piece)));
            for (Object o; (o = ch.readOutbound()) != null; ) {
                credited += ((Credit) o).increment();
                assertEquals(window / 2, ((Credit) o).increment());
            }
        }
        assertEquals(1 << 20, credited);
        assertEquals(1 << 20, r.future.join().bytes());

        RangeRequest r2 = new RangeRequest("d", 1, "p", List.of(new ByteRange(0, 1 << 20)), (i, o, d) -> { });
        session.submit(r2);
        GetRanges sent2 = ch.readOutbound();
        session.window().received(window - 1000);
        ch.writeInbound(new Data(sent2.requestId(), 0, 0, 0, piece.length, Unpooled.wrappedBuffer(piece)));
        ErrorMessage err = null;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof ErrorMessage e) {
                err = e;
            }
        }
        assertInstanceOf(ErrorMessage.class, err);
        assertEquals(ErrorCode.FLOW_CONTROL.code(), err.code());
        assertTrue(r2.future.isCompletedExceptionally());
        assertFalse(ch.isActive());
        ch.finishAndReleaseAll();
    }
}
