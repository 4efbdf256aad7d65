package dev.delta.node.edge;

import dev.delta.engine.store.DatasetStore;
import dev.delta.node.origin.Publisher;
import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sparse file (a disk image: a little data, mostly holes; 256 MiB here) stays sparse on the origin's release
 * and on the edge, and its zeros do not cross the wire.
 */
@Timeout(60)
class SparseSyncTest {
    private static final byte[] SECRET = "a-test-secret-of-enough-length".getBytes(StandardCharsets.UTF_8);
    private static final long SIZE = 256L << 20;

    @TempDir
    Path tmp;

    @Test
    void a256MibImageWithOneMebibyteOfData_syncsAsOneMebibyte_andStaysSparse() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path image = src.resolve("disk.img");
        byte[] data = new byte[256 * 1024];
        Random r = new Random(17);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long at : new long[] {0, 70L << 20, 150L << 20, SIZE - data.length}) { // 1 MiB in four places
                r.nextBytes(data);
                ch.write(ByteBuffer.wrap(data), at);
            }
        }
        assertTrue(allocated(image) < 4L << 20, "the source itself is sparse");

        Path originData = tmp.resolve("origin");
        new Publisher(originData, "site").publish(src);
        Path published = DatasetStore.open(originData, "site").currentLink().resolve("disk.img");
        assertTrue(allocated(published) < 8L << 20, "the origin's release takes " + allocated(published) + " bytes");

        Path edge = tmp.resolve("edge");
        try (ReleaseService service = new ReleaseService(originData, "default", SECRET, List.of());
             DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
             DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "default", SECRET))) {
            SyncResult res = new Syncer(c, edge).sync("site", 0);
            assertEquals(1, res.version());
            assertTrue(res.bytesFetched() < 2L << 20, "fetched " + res.bytesFetched());
            assertTrue(res.wireReceived() < 2L << 20, "received " + res.wireReceived() + " bytes");
        }
        Path got = DatasetStore.open(edge, "site").currentLink().resolve("disk.img");
        assertEquals(SIZE, Files.size(got));
        assertTrue(allocated(got) < 8L << 20, "the edge's copy takes " + allocated(got) + " bytes");
        try (FileChannel a = FileChannel.open(image); FileChannel b = FileChannel.open(got)) {
            for (long at : new long[] {0, 70L << 20, 150L << 20, SIZE - data.length, 100L << 20}) {
                assertArrayEquals(read(a, at, data.length), read(b, at, data.length), "at " + at);
            }
        }
    }

    private static byte[] read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // until full
        }
        return b.array();
    }

    private static long allocated(Path p) throws IOException, InterruptedException {
        Process s = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).redirectErrorStream(true).start();
        String[] out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(0, s.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
