package dev.delta.protocol.client;

import dev.delta.protocol.Content;
import dev.delta.protocol.InMemoryDatasetService;
import dev.delta.protocol.RawPeer;
import dev.delta.protocol.auth.HmacProof;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.BytesSource;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.ProtocolVersion;
import dev.delta.protocol.wire.Samples;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GET_FILES (protocol version 3): several whole files as one stream, a prepared group as one block. */
@Timeout(30)
class FileGroupTransferTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.US_ASCII);
    /** The version's files, by position. */
    private final byte[][] files = new byte[6][];
    /** Files 0..3 make the group prepared as one LZ4 HC block. */
    private static final int[] GROUP = {0, 1, 2, 3};
    private byte[] groupBlock;
    private final AtomicInteger blocksServed = new AtomicInteger();
    private DeltaServer server;
    private DeltaClient client;

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < files.length; i++) {
            files[i] = Content.text(3_000 + 4_000 * i, 40 + i).array();
        }
        files[4] = new byte[0];
        groupBlock = LZ4Factory.fastestInstance().highCompressor().compress(concat(GROUP));
        InMemoryDatasetService service = new InMemoryDatasetService() {
            @Override
            public RangeSource openFiles(String dataset, long version, int[] which) throws DatasetException {
                for (int f : which) {
                    if (f >= files.length) {
                        throw new DatasetException(ErrorCode.NOT_FOUND, "no file at position " + f);
                    }
                }
                return new Sequence(concat(which), Arrays.equals(which, GROUP) ? groupBlock : null);
            }
        }.key("edge", SECRET).version("site", 1, Samples.repeated(1), new byte[] {1}, Map.of());
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "edge", SECRET));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private byte[] concat(int[] which) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int f : which) {
            out.writeBytes(files[f]);
        }
        return out.toByteArray();
    }

    /** The files as one source; the whole as one prepared block when there is one. */
    private final class Sequence extends BytesSource {
        private final byte[] all;
        private final byte[] block;

        Sequence(byte[] all, byte[] block) {
            super(all);
            this.all = all;
            this.block = block;
        }

        @Override
        public int pieceLength(long offset, int max) {
            return block != null && offset == 0 && all.length <= max ? all.length : max;
        }

        @Override
        public ByteBuffer precompressed(long offset, int length) {
            if (block == null || offset != 0 || length != all.length) {
                return null;
            }
            blocksServed.incrementAndGet();
            return ByteBuffer.wrap(block);
        }
    }

    /** Fetches {@code which} and returns the bytes as the handler saw them, checking offsets run on. */
    private byte[] fetch(int[] which) throws Exception {
        long total = concat(which).length;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        RangeResult r = DeltaClient.await(client.fetchFiles("site", 1, which, total, (i, off, data) -> {
            assertEquals(0, i);
            assertEquals(got.size(), off, "pieces in order, without gaps");
            byte[] b = new byte[data.remaining()];
            data.get(b);
            got.writeBytes(b);
        }));
        assertEquals(total, r.bytes());
        return got.toByteArray();
    }

    @Test
    void aPreparedGroup_arrivesAsItsOneBlock() throws Exception {
        assertEquals(ProtocolVersion.CURRENT, client.protocolVersion());
        long in0 = client.wireBytesReceived();
        byte[] got = fetch(GROUP);
        long wire = client.wireBytesReceived() - in0;
        assertArrayEquals(concat(GROUP), got);
        assertEquals(1, blocksServed.get());
        // one DATA frame: the block and a frame header
        assertTrue(wire <= groupBlock.length + 40, wire + " bytes on the wire for a block of " + groupBlock.length);
    }

    @Test
    void anyOtherListOfFiles_comesInTheOrderNamed() throws Exception {
        int[] which = {5, 2, 4, 0, 2};
        assertArrayEquals(concat(which), fetch(which));
        assertEquals(0, blocksServed.get());
    }

    @Test
    void aPositionTheNodeDoesNotHave_failsThatRequestOnly() throws Exception {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(
                client.fetchFiles("site", 1, new int[] {1, 99}, 10, (i, off, data) -> { })));
        assertEquals(ErrorKind.REMOTE_ERROR, e.kind());
        assertTrue(e.getMessage().contains("no file at position 99"), e.getMessage());
        assertArrayEquals(concat(GROUP), fetch(GROUP), "the connection serves on");
    }

    @Test
    void filesHoldingNoBytes_areRefused() {
        DeltaException e = assertThrows(DeltaException.class, () -> DeltaClient.await(
                client.fetchFiles("site", 1, new int[] {4}, 0, (i, off, data) -> { })));
        assertEquals(ErrorKind.LIMIT_EXCEEDED, e.kind(), "refused before it is sent");
    }

    @Test
    void onAVersion2Connection_getFilesIsAProtocolError() throws Exception {
        try (RawPeer peer = new RawPeer(server.port())) {
            Bytes32 nonce = HmacProof.nonce();
            peer.send(new Hello(1, 2, nonce, "edge"));
            Challenge c = assertInstanceOf(Challenge.class, peer.read());
            assertEquals(2, c.version());
            peer.send(new Auth(HmacProof.compute(SECRET, HmacProof.CLIENT_LABEL, 2, nonce, c.serverNonce(), "edge"),
                    1 << 22, 1 << 17));
            assertInstanceOf(HelloOk.class, peer.read());
            peer.send(new GetFiles(1, "site", 1, GROUP));
            List<Message> rest = peer.readUntilClosed();
            assertEquals(1, rest.size(), rest.toString());
            assertEquals(ErrorCode.PROTOCOL_ERROR.code(), ((ErrorMessage) rest.get(0)).code());
        }
    }
}
