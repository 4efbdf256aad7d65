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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code delta sync} in a separate process is killed with SIGKILL in the middle of an update:
 * {@code current} must still be the complete old version, and the next sync must fetch only what
 * the killed one had not verified yet.
 */
@Timeout(120)
class KillResumeTest {
    private static final String SECRET = "kill-test-secret-0123456789";

    @TempDir
    Path tmp;

    @Test
    void sigkillMidUpdate_keepsCurrentWholeAndResumesWithoutRefetching() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Random rnd = new Random(11);
        byte[] buf = new byte[2 << 20];
        rnd.nextBytes(buf);
        Files.write(src.resolve("v1.bin"), buf);
        Path origin = tmp.resolve("origin");
        Path edge = tmp.resolve("edge");
        Publisher pub = new Publisher(origin, "site");
        pub.publish(src);

        ReleaseService real = new ReleaseService(origin, "default", SECRET.getBytes(StandardCharsets.UTF_8), List.of());
        AtomicLong delayMs = new AtomicLong();
        AtomicLong served = new AtomicLong();
        WrappedService slow = new WrappedService(real, (path, offset, dst, start, n) -> {
            if (delayMs.get() > 0) {
                try {
                    Thread.sleep(delayMs.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            served.addAndGet(Math.max(0, n));
        });
        try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), slow)) {
            ClientConfig cc = ClientConfig.of("127.0.0.1", server.port(), "default", SECRET.getBytes(StandardCharsets.UTF_8));
            try (DeltaClient c = DeltaClient.connect(cc)) {
                assertEquals(1, new Syncer(c, edge).sync("site", 0).version());
            }

            // v2: 24 MiB of new data, served slowly so the child is mid-transfer when killed
            for (int i = 0; i < 12; i++) {
                rnd.nextBytes(buf);
                Files.write(src.resolve("big" + i + ".bin"), buf);
            }
            long newBytes = 12L * buf.length;
            pub.publish(src);
            delayMs.set(25);

            Path secretFile = tmp.resolve("secret");
            Files.writeString(secretFile, SECRET);
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.delta.node.cli.Main");
            cmd.addAll(List.of("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                    secretFile.toString(), "--dataset", "site", "--data", edge.toString(), "-q"));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("child.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (served.get() < newBytes / 3 && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(child.isAlive(), "the child finished before it could be killed: "
                    + Files.readString(tmp.resolve("child.log")));
            child.destroyForcibly(); // SIGKILL
            child.waitFor(10, TimeUnit.SECONDS);
            long servedBeforeKill = served.get();
            assertTrue(servedBeforeKill < newBytes, "killed mid-transfer");

            DatasetStore es = DatasetStore.open(edge, "site");
            assertEquals(1, es.current().getAsLong(), "current is still the complete v1");
            assertEquals(List.of(1L), es.versions());
            assertEquals(2L << 20, Files.size(es.currentLink().resolve("v1.bin")));

            delayMs.set(0);
            served.set(0);
            try (DeltaClient c = DeltaClient.connect(cc)) {
                SyncResult r = new Syncer(c, edge).sync("site", 0);
                assertEquals(2, r.version());
                assertTrue(r.bytesResumed() > 0, "chunks verified by the killed sync are reused");
                assertEquals(newBytes, r.bytesResumed() + r.bytesFetched(),
                        "every new byte is either resumed from staging or fetched, never both");
                assertTrue(served.get() < newBytes, "the resumed sync fetched less than the whole update: "
                        + served.get());
            }
            assertEquals(2, es.current().getAsLong());
            for (int i = 0; i < 12; i++) {
                assertEquals(2L << 20, Files.size(es.currentLink().resolve("big" + i + ".bin")));
            }
        } finally {
            real.close();
        }
    }
}
