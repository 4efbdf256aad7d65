package dev.delta.node.edge;

import dev.delta.engine.store.DatasetStore;
import dev.delta.node.demo.NodeProcess;
import dev.delta.node.origin.Publisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmUpTest {
    /**
     * A tree of this many files, not the warm-up's 2,000: the same steps, a tenth of the files made
     * and deleted (deleting tens of thousands of files slowed the disk for the tests after these).
     */
    private static final int FILES = 200;

    @TempDir
    Path tmp;

    /**
     * An edge holding nothing, whose upstream has published nothing yet, warms up while it waits
     * (its first version will be a cold copy of the whole dataset), leaves nothing of it behind, and
     * syncs the first version when it comes; the origin, which has published nothing either, warms
     * up too (it will serve that cold copy). Real processes: the warm-up runs once per JVM.
     */
    @Test
    void nodesWaitingForTheFirstVersion_warmUpMeanwhile_thenTheEdgeSyncsIt() throws Exception {
        String secret = "a-long-enough-secret-for-the-test";
        Files.createDirectories(tmp.resolve("origin-data"));
        Path originConfig = Files.writeString(tmp.resolve("origin.json"), "{\"role\": \"origin\", \"data_dir\": "
                + "\"origin-data\", \"listen\": \"127.0.0.1:0\", \"secret\": \"" + secret + "\"}");
        try (NodeProcess origin = NodeProcess.start("origin", originConfig, tmp)) {
            Path edgeConfig = Files.writeString(tmp.resolve("edge.json"), "{\"role\": \"edge\", \"data_dir\": "
                    + "\"edge-data\", \"listen\": \"127.0.0.1:0\", \"upstream\": \"127.0.0.1:" + origin.port()
                    + "\", \"datasets\": [\"site\"], \"secret\": \"" + secret + "\"}");
            try (NodeProcess edge = NodeProcess.start("edge", edgeConfig, tmp)) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
                String log = Files.readString(edge.log());
                while (!log.contains(WarmUp.DONE_LINE) && System.nanoTime() < deadline && edge.isAlive()) {
                    Thread.sleep(50);
                    log = Files.readString(edge.log());
                }
                assertTrue(log.contains(WarmUp.DONE_LINE), log);
                assertTrue(log.indexOf("has no version of site yet") < log.indexOf(WarmUp.DONE_LINE), log);
                assertFalse(Files.exists(tmp.resolve("edge-data").resolve(WarmUp.SCRATCH)), "nothing left behind");
                assertGoneFromMemory(tmp.resolve("edge-data"), deadline);
                String originLog = Files.readString(origin.log());
                while (!originLog.contains(WarmUp.DONE_LINE) && System.nanoTime() < deadline && origin.isAlive()) {
                    Thread.sleep(50);
                    originLog = Files.readString(origin.log());
                }
                assertTrue(originLog.contains(WarmUp.DONE_LINE), originLog);
                assertFalse(Files.exists(tmp.resolve("origin-data").resolve(WarmUp.SCRATCH)), "nothing left behind");
                assertGoneFromMemory(tmp.resolve("origin-data"), deadline);

                Path src = Files.createDirectories(tmp.resolve("src/d"));
                Files.writeString(src.resolve("a.txt"), "first version\n");
                new Publisher(tmp.resolve("origin-data"), "site").publish(tmp.resolve("src"));
                Path edgeData = tmp.resolve("edge-data");
                while (System.nanoTime() < deadline && !(DatasetStore.exists(edgeData, "site")
                        && DatasetStore.open(edgeData, "site").current().isPresent())) {
                    Thread.sleep(50);
                }
                assertEquals("first version\n",
                        Files.readString(DatasetStore.open(edgeData, "site").currentLink().resolve("d/a.txt")),
                        NodeProcess.tail(edge.log()));
            }
        }
    }

    /**
     * A node's warm-up in memory (where this machine has a memory filesystem with room) is deleted
     * on a thread of that node after its run: waits for it until {@code deadline}.
     */
    private static void assertGoneFromMemory(Path dataDir, long deadline) throws InterruptedException {
        Path m = WarmUp.scratchDir(dataDir);
        while ((Files.exists(m) || Files.exists(WarmUp.discarded(m))) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(m) || Files.exists(WarmUp.discarded(m)), "nothing left behind in " + m.getParent());
    }

    @Test
    void aMemoryFilesystemWithRoom_holdsTheScratchDirectory_oneNamePerDataDirectory() throws Exception {
        Path memory = Files.createDirectories(tmp.resolve("shm"));
        java.util.Set<String> types = java.util.Set.of(Files.getFileStore(memory).type()); // as if memory
        Path a = WarmUp.memoryScratch(tmp.resolve("a"), memory, types, 1);
        assertNotNull(a);
        assertEquals(memory, a.getParent());
        assertTrue(a.getFileName().toString().matches("\\.delta-warm-up-[0-9a-f]{16}"), a.toString());
        assertEquals(a, WarmUp.memoryScratch(tmp.resolve("x/../a"), memory, types, 1), "the same directory, spelt otherwise");
        assertNotEquals(a, WarmUp.memoryScratch(tmp.resolve("b"), memory, types, 1), "another node's");

        WarmUp.Result r = WarmUp.run(a, () -> false, FILES);
        assertNotNull(r);
        WarmUp.awaitDiscard();
        assertEquals(List.of(), listing(memory), "nothing left in memory");

        assertNull(WarmUp.memoryScratch(tmp.resolve("a"), memory, java.util.Set.of("tmpfs-of-no-kind"), 1),
                "not a memory filesystem: the data directory");
        assertNull(WarmUp.memoryScratch(tmp.resolve("a"), memory, types, Long.MAX_VALUE), "too little room");
        assertNull(WarmUp.memoryScratch(tmp.resolve("a"), tmp.resolve("none"), types, 1), "no such directory");
        assertNull(WarmUp.memoryDir("off"), "-Ddelta.warmup.memory-dir=off: none");
        assertNull(WarmUp.memoryDir(""));
        assertEquals(memory, WarmUp.memoryDir(memory.toString()));
    }

    /**
     * The memory filesystem is written by every user: a link planted at the scratch directory's
     * name (or its discarded twin's), or a file, is neither followed nor removed; the warm-up
     * runs in the data directory instead.
     */
    @Test
    void aNameTakenInMemory_byALinkOrAFile_isLeftAlone() throws Exception {
        Path memory = Files.createDirectories(tmp.resolve("shm"));
        java.util.Set<String> types = java.util.Set.of(Files.getFileStore(memory).type());
        Path data = tmp.resolve("data");
        Path name = WarmUp.memoryScratch(data, memory, types, 1);
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        for (Path planted : List.of(name, WarmUp.discarded(name))) {
            Files.createSymbolicLink(planted, victim);
            assertNull(WarmUp.memoryScratch(data, memory, types, 1), planted + " a link");
            assertTrue(Files.isSymbolicLink(planted), "the link is left alone");
            Files.delete(planted);
            Files.writeString(planted, "not a directory");
            assertNull(WarmUp.memoryScratch(data, memory, types, 1), planted + " a file");
            Files.delete(planted);
        }
        assertEquals("keep", Files.readString(victim.resolve("keep.txt")));
        assertEquals(name, WarmUp.memoryScratch(data, memory, types, 1), "a directory of ours is reused");
        Files.createDirectories(name.resolve("left/over")); // a killed run's leftovers
        assertEquals(name, WarmUp.memoryScratch(data, memory, types, 1));
    }

    /** Another user's directory at the name is not ours to delete nor to write in. */
    @Test
    void aNameTakenInMemory_byAnotherUsersDirectory_isLeftAlone() throws Exception {
        Path memory = Files.createDirectories(tmp.resolve("shm"));
        java.util.Set<String> types = java.util.Set.of(Files.getFileStore(memory).type());
        Path name = WarmUp.memoryScratch(tmp.resolve("data"), memory, types, 1);
        Files.createDirectories(name);
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        org.junit.jupiter.api.Assumptions.assumeTrue(uid == 0, "giving a directory to another user takes root");
        Files.setAttribute(name, "unix:uid", 65534);
        assertNull(WarmUp.memoryScratch(tmp.resolve("data"), memory, types, 1));
        assertTrue(Files.isDirectory(name), "left alone");
    }

    @Test
    void aGeneratedUpdate_isPublishedServedAndSynced_andTheScratchDirectoryGoes() throws Exception {
        Path scratch = tmp.resolve(WarmUp.SCRATCH);
        Files.createDirectories(scratch.resolve("left/over")); // a crash's leftovers are removed first
        WarmUp.Result r = WarmUp.run(scratch, () -> false, FILES);
        assertNotNull(r);
        assertTrue(r.filesUpdated() >= FILES * 6 / 10, "the edited files: " + r.filesUpdated());
        assertTrue(r.filesAdded() >= FILES / 10 && r.filesDeleted() >= FILES / 10, r.toString());
        // the chunks an edit touched are fetched; they travel as patches against the old copies
        assertTrue(r.bytesFetched() > 0 && r.wireReceived() < r.bytesFetched() / 4, r.toString());
        assertFalse(Files.exists(scratch), "the scratch directory moved aside at once");
        WarmUp.awaitDiscard();
        assertFalse(Files.exists(WarmUp.discarded(scratch)), "and deleted on a thread of its own");
        assertEquals(List.of(), listing(tmp), "nothing left in the data directory");

        // a run whose predecessor's tree is still there (a process killed while deleting it) removes it first
        Files.createDirectories(WarmUp.discarded(scratch).resolve("left/over"));
        assertNull(WarmUp.run(scratch, () -> true, FILES));
        WarmUp.awaitDiscard();
        assertEquals(List.of(), listing(tmp), "nothing left in the data directory");
    }

    private static List<String> listing(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void itIsWorthIt_onlyForADatasetOfMoreFilesThanItsOwnTree() throws Exception {
        Path data = tmp.resolve("data");
        Path small = Files.createDirectories(tmp.resolve("small"));
        Files.writeString(small.resolve("a.txt"), "a");
        new Publisher(data, "small").scratch().publish(small);
        assertFalse(WarmUp.worthIt(data, List.of()), "one file");
        assertFalse(WarmUp.worthIt(data, List.of("absent")), "no such dataset");
        Path big = Files.createDirectories(tmp.resolve("big"));
        for (int i = 0; i <= FILES; i++) {
            Files.writeString(big.resolve("f" + i), Integer.toString(i));
        }
        new Publisher(data, "big").scratch().publish(big);
        assertTrue(WarmUp.worthIt(data, List.of(), FILES), "any dataset of the data directory");
        assertTrue(WarmUp.worthIt(data, List.of("big"), FILES));
        assertFalse(WarmUp.worthIt(data, List.of("small"), FILES), "only the datasets named");
        assertFalse(WarmUp.worthIt(data, List.of("big")), "not above the warm-up's own tree");
    }

    @Test
    void nothingIsPublished_untilADatasetHasACurrentRelease() throws Exception {
        Path data = tmp.resolve("data");
        assertTrue(WarmUp.nothingPublished(data, List.of()), "no data directory yet");
        Files.createDirectories(data.resolve(WarmUp.SCRATCH).resolve("x"));
        Files.createDirectories(data.resolve("not-a-store"));
        assertTrue(WarmUp.nothingPublished(data, List.of()), "no dataset store");
        DatasetStore.open(data, "site"); // made, nothing committed
        assertTrue(WarmUp.nothingPublished(data, List.of()), "a store without a current release");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "a");
        new Publisher(data, "site").scratch().publish(src);
        assertFalse(WarmUp.nothingPublished(data, List.of()), "any dataset of the data directory");
        assertFalse(WarmUp.nothingPublished(data, List.of("site")));
        assertTrue(WarmUp.nothingPublished(data, List.of("other")), "only the datasets named");
    }

    @Test
    void aNewVersion_cutsItShort_andNothingIsLeft() throws Exception {
        Path scratch = tmp.resolve(WarmUp.SCRATCH);
        AtomicInteger checks = new AtomicInteger();
        assertNull(WarmUp.run(scratch, () -> checks.incrementAndGet() > 1, FILES), "stopped at its second check");
        assertEquals(2, checks.get(), "it stopped as soon as it was told to");
        assertFalse(Files.exists(scratch));
        WarmUp.awaitDiscard();
        assertFalse(Files.exists(WarmUp.discarded(scratch)));
    }
}
