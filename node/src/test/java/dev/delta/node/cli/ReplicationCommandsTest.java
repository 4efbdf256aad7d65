package dev.delta.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.ReleaseSpare;
import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class ReplicationCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "cli-test-secret-0123456789";

    @TempDir
    Path tmp;
    private DeltaServer server;
    private ReleaseService service;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            service.close();
        }
    }

    private Path secretFile() throws IOException {
        Path f = tmp.resolve("secret");
        Files.writeString(f, SECRET + "\n");
        return f;
    }

    @Test
    void syncPrepareNext_writesASpareFile_onlyWhenTheReleaseHasABigFile() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "small\n");
        Path origin = tmp.resolve("origin");
        Path edge = tmp.resolve("edge");
        assertEquals(0, CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                src.toString()).code());
        service = new ReleaseService(origin, "default", SECRET.getBytes(StandardCharsets.UTF_8), List.of());
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        String up = "127.0.0.1:" + server.port();
        String[] sync = {"sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset", "site",
                "--data", edge.toString(), "--prepare-next", "--quiet"};
        CliRunner s1 = CliRunner.run(sync);
        assertEquals(0, s1.code(), s1.toString());
        DatasetStore store = DatasetStore.open(edge, "site");
        assertEquals(0, ReleaseSpare.size(store), "no file of 64 MiB or more: no spare");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(src.resolve("image.bin").toFile(), "rw")) {
            f.setLength(ReleaseSpare.MIN_BYTES + 4096); // mostly a hole: cheap to publish and to sync
            f.write("a header".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(0, CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                src.toString()).code());
        CliRunner s2 = CliRunner.run(sync);
        assertEquals(0, s2.code(), s2.toString());
        assertEquals(2, store.current().getAsLong());
        assertEquals(ReleaseSpare.wanted(store.manifest(2)), ReleaseSpare.size(store),
                "--prepare-next writes the spare the next update of image.bin is written over");
        assertTrue(ReleaseSpare.size(store) > ReleaseSpare.MIN_BYTES);
        CliRunner status = CliRunner.run("status", "--data", edge.toString(), "--json");
        assertEquals(0, status.code(), status.toString());
        assertEquals(ReleaseSpare.size(store), JSON.readTree(status.out()).get("datasets").get(0).get("spare_bytes")
                .asLong(), status.out());
        CliRunner text = CliRunner.run("status", "--data", edge.toString());
        assertTrue(text.out().contains("spare file: "), text.out());
    }

    @Test
    void publishSyncDryRunRollback_endToEndThroughTheCli() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(src.resolve("a.txt"), "hello ".repeat(1000));
        Files.writeString(src.resolve("b.txt"), "world ".repeat(1000));
        Path origin = tmp.resolve("origin");
        Path edge = tmp.resolve("edge");

        CliRunner p1 = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                tmp.resolve("src").toString(), "--json");
        assertEquals(0, p1.code(), p1.toString());
        assertEquals(1, JSON.readTree(p1.out()).get("version").asLong());
        CliRunner again = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                tmp.resolve("src").toString());
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().contains("unchanged: still v1"), again.out());

        service = new ReleaseService(origin, "default", SECRET.getBytes(StandardCharsets.UTF_8), List.of());
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        String up = "127.0.0.1:" + server.port();

        CliRunner s1 = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset",
                "site", "--data", edge.toString(), "--json", "--prepare-next");
        assertEquals(0, s1.code(), s1.toString());
        Path mirrors = edge.resolve("site/.delta/mirror");
        assertEquals(1, readyMirrors(mirrors, "v1-"), "--prepare-next leaves a ready mirror of the new release");
        JsonNode j = JSON.readTree(s1.out());
        for (String f : new String[]{"version", "files_added", "files_updated", "files_deleted", "bytes_total",
                "bytes_reused_local", "bytes_fetched", "wire_bytes_received", "wire_bytes_sent", "duration_ms"}) {
            assertTrue(j.has(f), "sync --json has " + f + ": " + j);
        }
        assertEquals(1, j.get("version").asLong());
        assertEquals(2, j.get("files_added").asInt());
        assertEquals(12000, j.get("bytes_fetched").asLong());
        assertTrue(j.get("wire_bytes_received").asLong() < 12000, "LZ4 shrinks repetitive text on the wire: " + j);

        Files.writeString(src.resolve("c.txt"), "new file");
        assertEquals(0, CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                tmp.resolve("src").toString()).code());

        CliRunner dry = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset",
                "site", "--data", edge.toString(), "--dry-run");
        assertEquals(0, dry.code(), dry.toString());
        assertTrue(dry.out().contains("add          sub/c.txt"), dry.out());
        assertTrue(dry.out().contains("nothing changed"), dry.out());
        assertFalse(dry.out().contains("interrupted sync"), dry.out());
        Path left = Files.createDirectories(edge.resolve("site/.delta/staging/v2-0123456789abcdef"));
        CliRunner dryResumable = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", edge.toString(), "--dry-run");
        assertTrue(dryResumable.out().contains("staging holds an interrupted sync of v2"), dryResumable.out());
        assertTrue(Files.isDirectory(left), "a dry run leaves staging as it is");
        assertEquals(1, DatasetStore.open(edge, "site").current().getAsLong(), "dry run changes nothing");
        CliRunner midway = CliRunner.run("status", "--data", edge.toString(), "--json");
        assertEquals(0, midway.code(), midway.toString());
        JsonNode st = JSON.readTree(midway.out()).get("datasets").get(0);
        assertEquals("site", st.get("name").asText());
        assertEquals(1, st.get("current").asLong());
        assertTrue(st.get("held").isNull(), midway.out());
        assertEquals(1, st.get("staging").size(), midway.out());
        assertTrue(st.get("staging").get(0).asText().startsWith("v2-"), midway.out());

        CliRunner s2 = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset",
                "site", "--data", edge.toString());
        assertEquals(0, s2.code(), s2.toString());
        assertTrue(s2.out().contains("v1 -> v2"), s2.out());
        assertEquals(0, readyMirrors(mirrors, "v1-"), "the next sync built on the mirror (taking it)");

        CliRunner rb = CliRunner.run("rollback", "--data", edge.toString(), "--dataset", "site");
        assertEquals(0, rb.code(), rb.toString());
        DatasetStore es = DatasetStore.open(edge, "site");
        assertEquals(1, es.current().getAsLong());
        assertEquals(1, es.heldAt().getAsLong());
        assertFalse(Files.exists(es.currentLink().resolve("sub/c.txt")));
        CliRunner held = CliRunner.run("status", "--data", edge.toString());
        assertEquals(0, held.code(), held.toString());
        assertTrue(held.out().startsWith("site: current v1 (held by a rollback at v1; v2 is stored)\n"), held.out());
        assertTrue(held.out().contains("  retained: v1, v2\n"), held.out());
        assertFalse(held.out().contains("staging"), "the sync took its staging: " + held.out());
        JsonNode hj = JSON.readTree(CliRunner.run("status", "--data", edge.toString(), "--json", "--dataset", "site")
                .out()).get("datasets").get(0);
        assertEquals(1, hj.get("held").asLong());
        assertEquals(2, hj.get("releases").size());
        assertEquals(DatasetStore.open(edge, "site").totalBytes(2), hj.get("releases").get(1).get("bytes").asLong());
        CliRunner nope = CliRunner.run("status", "--data", edge.toString(), "--dataset", "nope");
        assertEquals(3, nope.code(), nope.toString());
        assertTrue(nope.err().contains("no dataset nope in " + edge), nope.err());
        assertFalse(Files.exists(edge.resolve("nope")), "status makes nothing");

        CliRunner rel = CliRunner.run("rollback", "--data", edge.toString(), "--dataset", "site", "--release");
        assertEquals(0, rel.code(), rel.toString());
        assertEquals(2, es.current().getAsLong());
        assertTrue(es.heldAt().isEmpty());

        CliRunner ro = CliRunner.run("rollback", "--data", origin.toString(), "--dataset", "site", "--origin", "--to", "1");
        assertEquals(0, ro.code(), ro.toString());
        assertTrue(ro.out().contains("republished v1 as v3"), ro.out());
        CliRunner s3 = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset",
                "site", "--data", edge.toString(), "--json");
        JsonNode j3 = JSON.readTree(s3.out());
        assertEquals(3, j3.get("version").asLong());
        assertEquals(0, j3.get("bytes_fetched").asLong(), "edges already hold v1's content: " + j3);

        CliRunner same = CliRunner.run("rollback", "--data", origin.toString(), "--dataset", "site", "--origin", "--to",
                "3");
        assertEquals(0, same.code(), same.toString());
        assertTrue(same.out().contains("no version created"), same.out());
        assertEquals(3, DatasetStore.open(origin, "site").latest().getAsLong(), "republishing current's content is a no-op");

        // A hold outlives newer versions: a one-shot sync stores them and leaves current alone.
        assertEquals(0, CliRunner.run("rollback", "--data", edge.toString(), "--dataset", "site", "--to", "2").code());
        Files.writeString(src.resolve("d.txt"), "published while the edge is held");
        assertEquals(0, CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site",
                tmp.resolve("src").toString()).code());
        CliRunner badRetention = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", edge.toString(), "--retention", "0");
        assertEquals(2, badRetention.code(), badRetention.toString());
        assertTrue(badRetention.err().contains("--retention must keep at least 1"), badRetention.err());
        assertFalse(Files.exists(edge.resolve("site/releases/v4")), "refused before anything was fetched");
        CliRunner s4 = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(), "--dataset",
                "site", "--data", edge.toString(), "--json");
        assertEquals(0, s4.code(), s4.toString());
        JsonNode j4 = JSON.readTree(s4.out());
        assertEquals(4, j4.get("version").asLong());
        assertFalse(j4.get("switched").asBoolean(), "held: " + j4);
        assertEquals(2, es.current().getAsLong());
        assertEquals(2, es.heldAt().getAsLong());
        assertTrue(Files.isDirectory(edge.resolve("site/releases/v4")));
        assertFalse(j4.get("already_stored").asBoolean(), j4.toString());
        long v4Inode = (Long) Files.getAttribute(edge.resolve("site/releases/v4"), "unix:ino");
        CliRunner heldAgain = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", edge.toString());
        assertEquals(0, heldAgain.code(), heldAgain.toString());
        assertTrue(heldAgain.out().contains("v4 is already stored here; current stays at v2, held by a rollback"),
                heldAgain.out());
        assertEquals(v4Inode, (Long) Files.getAttribute(edge.resolve("site/releases/v4"), "unix:ino"), "not rebuilt");
        JsonNode j4b = JSON.readTree(CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", edge.toString(), "--json").out());
        assertTrue(j4b.get("already_stored").asBoolean(), j4b.toString());
        assertEquals(0, j4b.get("files_added").asInt() + j4b.get("files_updated").asInt(), j4b.toString());
        CliRunner rel2 = CliRunner.run("rollback", "--data", edge.toString(), "--dataset", "site", "--release");
        assertEquals(0, rel2.code(), rel2.toString());
        assertEquals(4, es.current().getAsLong());
        CliRunner none = CliRunner.run("rollback", "--data", edge.toString(), "--dataset", "site", "--release");
        assertEquals(0, none.code(), none.toString());
        assertTrue(none.out().contains("no rollback hold to release; current is v4"), none.out());

        // Nothing is made where there was nothing: a dry run into a new directory, a rollback of nothing.
        Path fresh = tmp.resolve("fresh");
        Files.createDirectories(fresh);
        CliRunner dryFresh = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", fresh.toString(), "--dry-run");
        assertEquals(0, dryFresh.code(), dryFresh.toString());
        assertTrue(dryFresh.out().contains("nothing changed"), dryFresh.out());
        assertFalse(Files.exists(fresh.resolve("site")), "a dry run leaves no dataset skeleton behind");
        CliRunner rbNone = CliRunner.run("rollback", "--data", fresh.toString(), "--dataset", "site");
        assertTrue(rbNone.code() != 0 && rbNone.err().contains("no releases of site"), rbNone.toString());
        assertFalse(Files.exists(fresh.resolve("site")));
        Path absent = tmp.resolve("absent");
        assertEquals(0, CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "site", "--data", absent.toString(), "--dry-run").code());
        assertFalse(Files.exists(absent), "a dry run makes no data directory either");
        // A failed sync leaves nothing it made for nothing: a mistyped dataset, say.
        CliRunner typo = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "stie", "--data", absent.toString(), "--json");
        assertEquals(3, typo.code(), typo.toString());
        assertTrue(JSON.readTree(typo.out()).has("error"), typo.out());
        assertFalse(Files.exists(absent), "no skeleton of the mistyped dataset: " + typo);
        CliRunner typo2 = CliRunner.run("sync", "--upstream", up, "--secret-file", secretFile().toString(),
                "--dataset", "stie", "--data", edge.toString());
        assertEquals(3, typo2.code(), typo2.toString());
        assertFalse(Files.exists(edge.resolve("stie")), typo2.toString());
        assertTrue(Files.isDirectory(edge.resolve("site/releases")), "the data directory itself stays");
    }

    /**
     * A rollback whose hold cannot be written changes nothing: before, it switched current first,
     * failed on the hold, and the next sync undid the rollback it had reported as failed.
     */
    /** status names a release a publish committed but never made current, until the next publish replaces it. */
    @Test
    void status_namesAReleaseAPublishNeverSwitchedTo() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "one");
        Path origin = tmp.resolve("origin");
        dev.delta.node.origin.Publisher p = new dev.delta.node.origin.Publisher(origin, "site");
        p.publish(src);
        Files.writeString(src.resolve("a.txt"), "two");
        p.publish(src);
        DatasetStore store = DatasetStore.open(origin, "site");
        store.switchTo(1); // what a kill between commit and switch leaves: v2 committed, current at v1
        store.markSwitchPending(2);
        CliRunner st = CliRunner.run("status", "--data", origin.toString());
        assertEquals(0, st.code(), st.toString());
        assertTrue(st.out().contains("  v2 was committed by a publish that stopped before making it current"), st.out());
        assertEquals(2, JSON.readTree(CliRunner.run("status", "--data", origin.toString(), "--json").out())
                .get("datasets").get(0).get("unswitched").asLong());

        Files.writeString(src.resolve("a.txt"), "three");
        assertEquals(2, p.publish(src).version(), "the next publish replaces it");
        assertTrue(JSON.readTree(CliRunner.run("status", "--data", origin.toString(), "--json").out())
                .get("datasets").get(0).get("unswitched").isNull());
    }

    /**
     * A running edge works under the dataset's lock for a few seconds after each sync (the mirror
     * of the new release, the chunk index): a rollback then waits for the lock, says so, and rolls
     * back. Before, it failed with "busy" (seen in the demo on a slow machine).
     */
    @Test
    void rollback_waitsForTheLockAnotherProcessHolds() throws Exception {
        Path data = twoReleases();
        try (LockHeld held = LockHeld.by(data.resolve("site/.delta/lock"), 1_500)) {
            CliRunner rb = CliRunner.run("rollback", "--data", data.toString(), "--dataset", "site");
            long waited = (System.nanoTime() - held.since()) / 1_000_000;
            assertEquals(0, rb.code(), rb.toString());
            assertTrue(rb.err().contains("site: busy (another delta process"), rb.err());
            assertTrue(waited >= 1_400, "the rollback waited for the holder's 1.5 s, not " + waited + " ms");
            assertEquals("releases/v1", Files.readSymbolicLink(data.resolve("site/current")).toString());
            assertEquals("1", Files.readString(data.resolve("site/.delta/hold")).trim());
        }
    }

    /** A lock held for longer than the caller's patience: a clear "busy" error. */
    @Test
    void datasetLock_heldLongerThanThePatience_isBusy() throws Exception {
        Path data = twoReleases();
        DatasetStore store = DatasetStore.open(data, "site");
        try (LockHeld held = LockHeld.by(data.resolve("site/.delta/lock"), 30_000)) {
            java.util.concurrent.atomic.AtomicInteger said = new java.util.concurrent.atomic.AtomicInteger();
            long t0 = System.nanoTime();
            DatasetStore.DatasetBusyException busy = org.junit.jupiter.api.Assertions.assertThrows(
                    DatasetStore.DatasetBusyException.class, () -> store.lock(400, said::incrementAndGet));
            long waited = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waited >= 400 && waited < 5_000, "waited " + waited + " ms");
            assertEquals(1, said.get(), "said once that it waits");
            assertTrue(busy.getMessage().contains("is busy: another delta process is changing it"), busy.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(DatasetStore.DatasetBusyException.class, store::lock,
                    "without patience: at once");
        }
        store.lock(5_000, () -> { }).close(); // free again once the holder is gone
    }

    /** An origin data directory holding v1 and v2 of "site" (current v2). */
    private Path twoReleases() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path data = tmp.resolve("data");
        dev.delta.node.origin.Publisher pub = new dev.delta.node.origin.Publisher(data, "site");
        for (int v = 1; v <= 2; v++) {
            Files.writeString(src.resolve("index.html"), "version " + v);
            pub.publish(src);
        }
        return data;
    }

    /** A separate process ({@link LockHolder}) holding a lock file; closing it ends the process. */
    private record LockHeld(Process process, long since) implements AutoCloseable {
        /** Starts the holder and returns once it holds {@code lockFile} (for {@code millis} from then). */
        static LockHeld by(Path lockFile, long millis) throws IOException {
            Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), LockHolder.class.getName(), lockFile.toString(),
                    Long.toString(millis)).redirectErrorStream(true).start();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            if (!"locked".equals(line)) {
                p.destroyForcibly();
                throw new IOException("the lock holder did not take the lock: " + line);
            }
            return new LockHeld(p, System.nanoTime());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void rollback_thatCannotRecordItsHold_leavesCurrentWhereItWas() throws Exception {
        Path data = twoReleases();
        Path meta = data.resolve("site/.delta");
        Files.createDirectories(meta.resolve("hold/in-the-way")); // a directory where the hold file goes
        CliRunner rb = CliRunner.run("rollback", "--data", data.toString(), "--dataset", "site");
        assertEquals(ExitCode.BAD_INPUT, rb.code(), rb.toString());
        assertEquals("releases/v2", Files.readSymbolicLink(data.resolve("site/current")).toString(), rb.toString());
        assertFalse(Files.exists(meta.resolve(".hold.tmp")), "nothing half-written left");

        DatasetStore.deleteTree(meta.resolve("hold"));
        CliRunner ok = CliRunner.run("rollback", "--data", data.toString(), "--dataset", "site");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals("releases/v1", Files.readSymbolicLink(data.resolve("site/current")).toString());
        assertEquals("1", Files.readString(meta.resolve("hold")).trim());
    }

    /** Publishing with an edge's config, bad values and a refused first publish: usage errors, nothing left. */
    @Test
    void publish_refusesAnEdgeConfigAndLeavesNothingWhenRefused() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Path edgeCfg = Files.writeString(tmp.resolve("edge.json"), "{\"role\": \"edge\", \"data_dir\": \"ey\", "
                + "\"upstream\": \"127.0.0.1:7420\", \"datasets\": [\"site\"], \"secret\": \"" + SECRET + "\"}");
        CliRunner asEdge = CliRunner.run("publish", "--config", edgeCfg.toString(), "--dataset", "site", src.toString());
        assertEquals(2, asEdge.code(), asEdge.toString());
        assertTrue(asEdge.err().contains("is an edge's config (role: edge)"), asEdge.err());
        assertFalse(Files.exists(tmp.resolve("ey")), "nothing published into the edge's store");
        CliRunner rbOrigin = CliRunner.run("rollback", "--config", edgeCfg.toString(), "--dataset", "site", "--origin");
        assertEquals(2, rbOrigin.code(), rbOrigin.toString());

        Path data = tmp.resolve("data");
        CliRunner keep0 = CliRunner.run("publish", "--data", data.toString(), "--dataset", "site", "--retention", "0",
                src.toString());
        assertEquals(2, keep0.code(), keep0.toString());

        java.nio.file.Path fifo = src.resolve("pipe");
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        CliRunner refused = CliRunner.run("publish", "--data", data.toString(), "--dataset", "site", "--json",
                src.toString());
        assertEquals(3, refused.code(), refused.toString());
        assertTrue(JSON.readTree(refused.out()).get("error").asText().contains("pipe"), refused.out());
        assertFalse(Files.exists(data), "a refused first publish leaves no data directory, scan cache or skeleton");
        Files.delete(fifo);
        assertEquals(0, CliRunner.run("publish", "--data", data.toString(), "--dataset", "site", src.toString()).code());
        CliRunner to0 = CliRunner.run("rollback", "--data", data.toString(), "--dataset", "site", "--to", "0");
        assertEquals(2, to0.code(), to0.toString());
    }

    @Test
    void sync_wrongSecretOrBadUsageGiveClearErrors() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "x");
        Path origin = tmp.resolve("origin");
        assertEquals(0, CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site", src.toString()).code());
        service = new ReleaseService(origin, "default", SECRET.getBytes(StandardCharsets.UTF_8), List.of());
        server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), service);
        Path wrong = tmp.resolve("wrong");
        Files.writeString(wrong, "definitely-not-the-secret");
        CliRunner r = CliRunner.run("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                wrong.toString(), "--dataset", "site", "--data", tmp.resolve("edge").toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().toLowerCase().contains("auth"), r.err());
        CliRunner rj = CliRunner.run("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                wrong.toString(), "--dataset", "site", "--data", tmp.resolve("edge").toString(), "--json");
        assertEquals(3, rj.code(), rj.toString());
        JsonNode failed = JSON.readTree(rj.out()); // a script reading stdout gets an object on failure too
        assertTrue(failed.get("error").asText().toLowerCase().contains("auth"), rj.out());
        assertEquals(3, failed.get("exit_code").asInt());

        CliRunner noSecret = CliRunner.run("sync", "--upstream", "127.0.0.1:1", "--dataset", "site", "--data",
                tmp.resolve("edge").toString());
        assertEquals(2, noSecret.code(), noSecret.toString());
        CliRunner noConnections = CliRunner.run("sync", "--upstream", "127.0.0.1:1", "--secret-file",
                wrong.toString(), "--dataset", "site", "--data", tmp.resolve("edge").toString(), "--connections", "0");
        assertEquals(2, noConnections.code(), noConnections.toString());
        assertTrue(noConnections.err().contains("--connections must be between 1 and 16"), noConnections.err());
        CliRunner badDataset = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "../etc", src.toString());
        assertEquals(2, badDataset.code(), badDataset.toString());
        CliRunner badSyncDataset = CliRunner.run("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                wrong.toString(), "--dataset", "../etc", "--data", tmp.resolve("edge").toString());
        assertEquals(2, badSyncDataset.code(), "a usage error, as in publish: " + badSyncDataset);
        CliRunner shortSecret = CliRunner.run("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                Files.writeString(tmp.resolve("short"), "short").toString(), "--dataset", "site", "--data",
                tmp.resolve("edge").toString());
        assertEquals(2, shortSecret.code(), shortSecret.toString());
        assertTrue(shortSecret.err().contains("at least 16 bytes"), shortSecret.err());
        CliRunner dirSecret = CliRunner.run("sync", "--upstream", "127.0.0.1:" + server.port(), "--secret-file",
                tmp.toString(), "--dataset", "site", "--data", tmp.resolve("edge").toString());
        assertTrue(dirSecret.err().contains("--secret-file " + tmp + ": "), dirSecret.err());
        Path aFile = Files.writeString(tmp.resolve("afile"), "x");
        CliRunner fileAsData = CliRunner.run("publish", "--data", aFile.toString(), "--dataset", "site", src.toString());
        assertEquals(3, fileAsData.code(), fileAsData.toString());
        assertTrue(fileAsData.err().contains(aFile.toString()) && fileAsData.err().toLowerCase().contains(
                "not a directory"), fileAsData.err());
        CliRunner json = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site", src.toString(),
                "--json");
        assertTrue(JSON.readTree(json.out()).has("metadata_changes"), json.out());
        for (String bad : new String[]{"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:0"}) {
            CliRunner badUpstream = CliRunner.run("sync", "--upstream", bad, "--secret-file", wrong.toString(),
                    "--dataset", "site", "--data", tmp.resolve("edge").toString());
            assertEquals(2, badUpstream.code(), "a usage error: " + badUpstream);
        }
        // '--version N' where '--to N' was meant: refused, not a silent no-op that exits 0
        CliRunner versionTypo = CliRunner.run("rollback", "--data", origin.toString(), "--dataset", "site",
                "--version", "1");
        assertEquals(2, versionTypo.code(), versionTypo.toString());
        assertTrue(versionTypo.err().contains("Unknown options: '--version', '1'"), versionTypo.err());
        CliRunner noKey = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site", src.toString(),
                "--key", tmp.resolve("nokey.key").toString());
        assertEquals(3, noKey.code(), noKey.toString());
        assertTrue(noKey.err().contains("nokey.key: does not exist"), "the key asked for is named: " + noKey.err());
        CliRunner both = CliRunner.run("publish", "--data", origin.toString(), "--dataset", "site", src.toString(),
                "--unsigned", "--key", tmp.resolve("nokey.key").toString());
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("--unsigned and --key contradict each other"), both.err());
        CliRunner edgeKey = CliRunner.run("rollback", "--data", origin.toString(), "--dataset", "site",
                "--key", tmp.resolve("nokey.key").toString());
        assertEquals(2, edgeKey.code(), edgeKey.toString());
        assertTrue(edgeKey.err().contains("--key applies to --origin only"), edgeKey.err());
    }

    private static long readyMirrors(Path dir, String prefix) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var l = Files.list(dir)) {
            return l.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix) && n.endsWith(".ready"))
                    .count();
        }
    }
}
