package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Samples;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranges of a new version patched against the client's copy of an old one, over loopback. */
@Timeout(30)
class ReferencePatchTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.US_ASCII);
    private byte[] old;
    private byte[] neu;
    /** Where each edit landed in the new file, and the old bytes around it. */
    private final List<ByteRange> ranges = new ArrayList<>();
    private final List<RangeReference.Window> windows = new ArrayList<>();
    private DeltaServer server;
    private DeltaClient client;
    private InMemoryDatasetService service;

    @BeforeEach
    void start() throws Exception {
        old = Content.text(400_000, 5).array();
        Random r = new Random(7);
        byte[] cur = old.clone();
        // Edits at increasing places, each replacing 0..200 bytes with 50..300 new ones; the
        // range asked for is 6 KiB around the edit, its window the old 6 KiB there.
        long shift = 0;
        for (int k = 0; k < 8; k++) {
            int atOld = 20_000 + k * 45_000 + r.nextInt(10_000);
            int cut = r.nextInt(200);
            byte[] ins = Content.text(50 + r.nextInt(250), 100 + k).array();
            int at = (int) (atOld + shift);
            byte[] next = new byte[cur.length - cut + ins.length];
            System.arraycopy(cur, 0, next, 0, at);
            System.arraycopy(ins, 0, next, at, ins.length);
            System.arraycopy(cur, at + cut, next, at + ins.length, cur.length - at - cut);
            cur = next;
            ranges.add(new ByteRange(at - 3000, 6000));
            windows.add(new RangeReference.Window(atOld - 3000, 6000));
            shift += ins.length - cut;
        }
        neu = cur;
        service = new InMemoryDatasetService().key("edge", SECRET)
                .version("site", 1, Samples.repeated(1), new byte[] {1}, Map.of("f.txt", ByteBuffer.wrap(old)))
                .version("site", 2, Samples.repeated(2), new byte[] {2}, Map.of("f.txt", ByteBuffer.wrap(neu)));
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    /** The client's copy of the old file, as a node would read it. */
    private ReferenceReader reader(byte[] copy, AtomicBoolean closed) {
        return new ReferenceReader() {
            @Override
            public ByteBuffer read(long offset, int length) {
                return ByteBuffer.wrap(copy, (int) offset, length).slice();
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
    }

    private byte[][] fetch(RangeReference ref, ReferenceReader reader, RangeResult[] result) throws Exception {
        byte[][] got = new byte[ranges.size()][];
        for (int i = 0; i < got.length; i++) {
            got[i] = new byte[(int) ranges.get(i).length()];
        }
        result[0] = DeltaClient.await(client.fetchRanges("site", 2, "f.txt", ranges, ref, reader, (i, off, data) ->
                data.get(got[i], (int) (off - ranges.get(i).offset()), data.remaining())));
        return got;
    }

    private void assertNewBytes(byte[][] got) {
        for (int i = 0; i < got.length; i++) {
            ByteRange r = ranges.get(i);
            assertArrayEquals(Arrays.copyOfRange(neu, (int) r.offset(), (int) r.end()), got[i], "range " + i);
        }
    }

    @Test
    void editedRanges_arriveAsSmallPatches() throws Exception {
        assertEquals(dev.delta.protocol.wire.ProtocolVersion.CURRENT, client.protocolVersion());
        AtomicBoolean closed = new AtomicBoolean();
        long in0 = client.wireBytesReceived();
        RangeResult[] res = new RangeResult[1];
        assertNewBytes(fetch(new RangeReference(1, "", windows), reader(old, closed), res));
        long wire = client.wireBytesReceived() - in0;
        assertEquals(48_000, res[0].bytes());
        assertEquals(48_000, res[0].patchedBytes());
        // 8 edits of at most 300 new bytes each, plus frame headers: far below the 48 KB asked for
        // (and below what LZ4 alone makes of this text, about half).
        assertTrue(wire < 4_000, "wire " + wire);
        assertTrue(closed.get(), "reader closed at the end");
    }

    @Test
    void withoutReference_theSameRangesCostTheirCompressedSize() throws Exception {
        long in0 = client.wireBytesReceived();
        byte[][] got = new byte[ranges.size()][];
        for (int i = 0; i < got.length; i++) {
            got[i] = new byte[6000];
        }
        RangeResult res = DeltaClient.await(client.fetchRanges("site", 2, "f.txt", ranges, (i, off, data) ->
                data.get(got[i], (int) (off - ranges.get(i).offset()), data.remaining())));
        assertNewBytes(got);
        assertEquals(0, res.patchedBytes());
        assertTrue(client.wireBytesReceived() - in0 > 15_000);
    }

    @Test
    void aReferenceTheServerDoesNotHold_isIgnored() throws Exception {
        RangeResult[] res = new RangeResult[1];
        assertNewBytes(fetch(new RangeReference(99, "", windows), reader(old, new AtomicBoolean()), res));
        assertEquals(0, res[0].patchedBytes());
        assertNewBytes(fetch(new RangeReference(1, "no-such-file", windows), reader(old, new AtomicBoolean()), res));
        assertEquals(0, res[0].patchedBytes());
    }

    @Test
    void windowsPastTheEnd_orEmpty_areSentPlain() throws Exception {
        List<RangeReference.Window> w = new ArrayList<>(windows);
        w.set(0, new RangeReference.Window(old.length - 10, 20)); // past the end of the server's copy
        w.set(1, RangeReference.NONE);
        RangeResult[] res = new RangeResult[1];
        byte[] copy = Arrays.copyOf(old, old.length + 10);
        assertNewBytes(fetch(new RangeReference(1, "", w), reader(copy, new AtomicBoolean()), res));
        assertEquals(36_000, res[0].patchedBytes());
    }

    @Test
    void aChangedLocalCopy_givesWrongBytesNotAnError() throws Exception {
        byte[] changed = old.clone();
        for (RangeReference.Window w : windows) {
            changed[(int) w.offset() + 100] ^= 1;
        }
        RangeResult[] res = new RangeResult[1];
        byte[][] got = fetch(new RangeReference(1, "", windows), reader(changed, new AtomicBoolean()), res);
        // The node's chunk ids catch this and fetch the ranges again without a reference.
        boolean anyDifferent = false;
        for (int i = 0; i < got.length; i++) {
            ByteRange r = ranges.get(i);
            anyDifferent |= !Arrays.equals(Arrays.copyOfRange(neu, (int) r.offset(), (int) r.end()), got[i]);
        }
        assertTrue(anyDifferent);
    }

    @Test
    void aReaderThatFails_failsTheRequestAndIsClosed() {
        AtomicBoolean closed = new AtomicBoolean();
        ReferenceReader shortReader = new ReferenceReader() {
            @Override
            public ByteBuffer read(long offset, int length) {
                return ByteBuffer.allocate(length - 1);
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(client.fetchRanges("site", 2,
                "f.txt", ranges, new RangeReference(1, "", windows), shortReader, (i, off, data) -> { })));
        assertEquals(ErrorKind.HANDLER_FAILED, e.kind());
        assertTrue(closed.get());
        // Only the request failed: the connection serves the next one.
        RangeResult[] res = new RangeResult[1];
        try {
            assertNewBytes(fetch(new RangeReference(1, "", windows), reader(old, new AtomicBoolean()), res));
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
        assertEquals(48_000, res[0].patchedBytes());
    }

    /**
     * A window may be far bigger than its range, and the server reads and indexes every window it
     * uses: a request's windows are held to a budget (1 MiB plus 64 bytes per byte asked for), and
     * those past it are not used. Here 300 ranges of 16 bytes name the whole old file (400 KB) as
     * their window: 120 MB of reading without the budget, three windows' worth with it.
     */
    @Test
    void windowsPastTheRequestsBudget_areNotRead() throws Exception {
        List<ByteRange> tiny = new ArrayList<>();
        List<RangeReference.Window> huge = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            tiny.add(new ByteRange(i * 1000L, 16));
            huge.add(new RangeReference.Window(0, old.length));
        }
        long read0 = service.bytesRead.get();
        byte[][] got = new byte[tiny.size()][16];
        RangeResult res = DeltaClient.await(client.fetchRanges("site", 2, "f.txt", tiny, new RangeReference(1, "", huge),
                reader(old, new AtomicBoolean()), (i, off, data) -> data.get(got[i], (int) (off - tiny.get(i).offset()),
                        data.remaining())));
        long read = service.bytesRead.get() - read0;
        assertTrue(read <= (1 << 20) + 64L * 300 * 16 + 300 * 16, "the server read " + read + " bytes");
        assertTrue(read >= old.length, "the windows within the budget are used: " + read);
        assertEquals(300 * 16, res.bytes());
        for (int i = 0; i < got.length; i++) {
            assertArrayEquals(Arrays.copyOfRange(neu, i * 1000, i * 1000 + 16), got[i], "range " + i);
        }
    }
}
