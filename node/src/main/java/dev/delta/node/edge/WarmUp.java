package dev.delta.node.edge;

import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.origin.Publisher;
import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * An update run end to end, once per process, by a node while it is idle: a small generated tree
 * is published twice into a scratch directory of the node's data directory, served by a server of
 * this process on 127.0.0.1, and synced there as an edge syncs (the first version cold, then the
 * mirror and the chunk index, then the update: deletes, renames, new files and directories, and
 * edits fetched as patches against the old copies). Then the scratch directory is moved aside and
 * deleted on a thread of its own ({@link #discard}). It lives in memory where the machine has a
 * memory filesystem with room ({@link #scratchDir}), else under the data directory. A
 * following edge runs it after its first sync's idle work; an origin once it has been quiet.
 *
 * <p>Why: the code an update runs per file and per piece runs in no other step (on an edge:
 * patches applied to reference windows, local copies alongside the fetch, files made from a mirror,
 * the commit's checks and metadata; on an origin: stored patches and live ones served, a manifest
 * rebuilt at its announcement), so a node's first update after it started ran it in the interpreter
 * while the JIT compiled it. Replays of a spec-scale source-tree update with both nodes just
 * started: a quarter of the edge's fetch samples were the compiler threads and a sixth the
 * interpreter, and the fetch took 0.9-1.6 s against 0.26-0.42 s between nodes that had updated
 * before. {@link Rehearsal} covers an edge's manifest rebuild and plan; this covers the rest.
 *
 * <p>It touches nothing of the node's datasets: its own dataset, store, server and connection, in
 * a scratch directory of its own ({@value #SCRATCH} under the data directory, never a dataset:
 * names cannot start with a dot; or its twin in memory), removed before and after. Whatever the
 * node's work is (a version arriving, a request) cuts it short between its steps; it is tried again in a later idle moment, {@value #ATTEMPTS} times at
 * most. Off with {@code -Ddelta.warmup=false}.
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);
    /** The scratch directory, under the node's data directory. */
    static final String SCRATCH = ".delta-warm-up";
    static final String DATASET = "delta-warm-up";
    /** Files of the generated tree: enough calls for the quick compiler to take each per-file method. */
    public static final int FILES = 2_000;
    /** How the log line of a finished warm-up begins (and a failed one's), for those who wait for it. */
    public static final String DONE_LINE = "warmed up the update path";
    public static final String FAILED_LINE = "the warm-up of the update path failed";
    public static final String GAVE_UP_LINE = "the warm-up of the update path was cut short";
    /** Runs begun, at most: one cut short is tried again later. */
    static final int ATTEMPTS = 3;
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("delta.warmup", "true"));
    private static final AtomicInteger BEGUN = new AtomicInteger();
    private static final AtomicBoolean DONE = new AtomicBoolean();
    private static final AtomicBoolean RUNNING = new AtomicBoolean();
    private static final byte[][] WORDS = java.util.Arrays.stream(("static final int return void public class import "
            + "package the of and to in is for on with as by at from this that value index range chunk file tree node "
            + "edge origin").split(" ")).map(w -> w.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    /** What the warm-up's update did. */
    record Result(int filesUpdated, int filesAdded, int filesDeleted, long bytesFetched, long wireReceived,
                  long updateMillis) {
    }

    private WarmUp() {
    }

    /** Whether there is nothing (more) to do: done, failed, turned off, or tried {@value #ATTEMPTS} times. */
    public static boolean settled() {
        return !ENABLED || DONE.get() || BEGUN.get() >= ATTEMPTS;
    }

    /**
     * Whether a warm-up is worth its cost in {@code dataDir}: some dataset there (of
     * {@code datasets}, or any when empty) has a current release of more files than the warm-up's
     * own tree. A smaller dataset's first update costs about what the warm-up would.
     */
    public static boolean worthIt(Path dataDir, List<String> datasets) {
        return worthIt(dataDir, datasets, FILES);
    }

    /**
     * Whether no dataset in {@code dataDir} (of {@code datasets}, or any when empty) has a current
     * release: an origin that has published nothing yet. Its first publish is a cold copy for every
     * edge, the most it ever serves at once, and a node just started served it from the interpreter
     * while the JIT caught up (five alternating replays of a following edge's cold copy of the spec
     * tree: the manifest's answer took 0.50-0.56 s from a just-started origin, 0.29-0.39 s from one
     * that had warmed up).
     */
    public static boolean nothingPublished(Path dataDir, List<String> datasets) {
        List<String> names;
        try {
            names = names(dataDir, datasets);
        } catch (java.nio.file.NoSuchFileException e) {
            return true; // made by the first publish
        } catch (IOException e) {
            return false;
        }
        for (String d : names) {
            try {
                if (DatasetStore.exists(dataDir, d)
                        && DatasetStore.open(dataDir, d).current().isPresent()) {
                    return false;
                }
            } catch (IOException | RuntimeException e) { // being made: a publish is under way
                return false;
            }
        }
        return true;
    }

    /** {@link #worthIt(Path, List)} for datasets of more than {@code files} files; for tests. */
    static boolean worthIt(Path dataDir, List<String> datasets, int files) {
        List<String> names;
        try {
            names = names(dataDir, datasets);
        } catch (IOException e) {
            return false;
        }
        for (String d : names) {
            try {
                if (!DatasetStore.exists(dataDir, d)) {
                    continue;
                }
                DatasetStore store = DatasetStore.open(dataDir, d);
                OptionalLong v = store.current();
                if (v.isPresent() && ManifestCodec.summarize(store.manifestBytes(v.getAsLong())).files() > files) {
                    return true;
                }
            } catch (IOException | RuntimeException e) { // a store being made, a manifest being replaced
                LOG.debug("warm-up: cannot size {}: {}", d, e.toString());
            }
        }
        return false;
    }

    /** {@code datasets}, or when none are named every name in {@code dataDir}. */
    private static List<String> names(Path dataDir, List<String> datasets) throws IOException {
        List<String> names = new ArrayList<>(datasets);
        if (names.isEmpty()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir)) {
                for (Path p : ds) {
                    names.add(p.getFileName().toString());
                }
            }
        }
        return names;
    }

    /**
     * Runs the warm-up in {@code dataDir} unless it is {@linkplain #settled settled} or running on
     * another thread; never throws: nothing depends on it.
     *
     * @param abort checked between the steps: true (the node has work) cuts it short
     */
    public static void once(Path dataDir, BooleanSupplier abort) {
        if (settled() || abort.getAsBoolean() || !RUNNING.compareAndSet(false, true)) {
            return;
        }
        try {
            if (settled()) {
                return;
            }
            int attempt = BEGUN.incrementAndGet();
            long t0 = System.nanoTime();
            Result r = run(scratchDir(dataDir), abort);
            if (r == null && attempt < ATTEMPTS) {
                LOG.debug("warm-up of the update path cut short by work to do (attempt {} of {})", attempt, ATTEMPTS);
            } else if (r == null) {
                LOG.info(GAVE_UP_LINE + " by work to do {} times; not tried again", ATTEMPTS);
            } else {
                DONE.set(true);
                LOG.info(DONE_LINE + " in {} ms (a generated update of {} files, {} added, {} deleted:"
                                + " {} ms, {} bytes fetched, {} bytes received)", (System.nanoTime() - t0) / 1_000_000,
                        r.filesUpdated(), r.filesAdded(), r.filesDeleted(), r.updateMillis(), r.bytesFetched(),
                        r.wireReceived());
            }
        } catch (IOException | DeltaException | RuntimeException e) {
            DONE.set(true);
            LOG.warn(FAILED_LINE + " (nothing depends on it): {}", e.toString());
        } finally {
            RUNNING.set(false);
        }
    }

    /**
     * Publishes, serves and syncs a generated update in {@code scratch} (deleted first and after).
     *
     * @return what the update did, or null if {@code abort} cut it short
     */
    static Result run(Path scratch, BooleanSupplier abort) throws IOException, DeltaException {
        return run(scratch, abort, FILES);
    }

    /** {@link #run(Path, BooleanSupplier)} with a tree of {@code fileCount} files (tests use fewer). */
    static Result run(Path scratch, BooleanSupplier abort, int fileCount) throws IOException, DeltaException {
        Path old = discarded(scratch);
        awaitDiscard();
        DatasetStore.deleteTree(old);
        DatasetStore.deleteTree(scratch);
        // made here, not found: in a directory every user writes to, a name someone else made
        // between the deletion and now fails the run instead of being written through
        Files.createDirectory(scratch, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        try {
            Path src = scratch.resolve("src");
            Path origin = scratch.resolve("origin");
            Path edge = scratch.resolve("edge");
            SplittableRandom random = new SplittableRandom(fileCount);
            List<Path> files = writeTree(src, random, fileCount);
            Publisher pub = new Publisher(origin, DATASET).scratch().retention(2);
            pub.publish(src);
            if (abort.getAsBoolean()) {
                return null;
            }
            release(src, files, random);
            pub.publish(src);
            if (abort.getAsBoolean()) {
                return null;
            }
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            try (ReleaseService svc = new ReleaseService(origin, DATASET, secret, List.of(DATASET));
                 DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 0), svc);
                 DeltaClient client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), DATASET, secret)
                         .withMaxInFlight(Syncer.MAX_IN_FLIGHT))) {
                Syncer syncer = new Syncer(client, edge);
                syncer.sync(DATASET, 1);
                syncer.prepareMirror(DATASET, abort);
                syncer.prepareIndex(DATASET, abort);
                if (abort.getAsBoolean()) {
                    return null;
                }
                long t0 = System.nanoTime();
                SyncResult r = syncer.sync(DATASET, 2);
                if (r.version() != 2 || !r.switched()) {
                    throw new IllegalStateException("the warm-up's update ended at v" + r.version());
                }
                return new Result(r.filesUpdated(), r.filesAdded(), r.filesDeleted(), r.bytesFetched(),
                        r.wireReceived(), (System.nanoTime() - t0) / 1_000_000);
            }
        } finally {
            discard(scratch, old);
        }
    }

    /**
     * Where the warm-up runs for a node of {@code dataDir}: in memory ({@link #memoryScratch}) when
     * the machine has a memory filesystem with room, else {@value #SCRATCH} under the data
     * directory.
     */
    static Path scratchDir(Path dataDir) {
        Path m = MEMORY_DIR == null ? null : memoryScratch(dataDir, MEMORY_DIR, MEMORY_TYPES, MEMORY_ROOM);
        return m != null ? m : dataDir.resolve(SCRATCH);
    }

    /**
     * The memory filesystem the warm-up prefers ({@code -Ddelta.warmup.memory-dir=DIR}; {@code off}:
     * none, the data directory always), the filesystem types that count as memory, and the room it
     * must have free (its tree takes ~80 MB at its peak).
     */
    static final Path MEMORY_DIR = memoryDir(System.getProperty("delta.warmup.memory-dir", "/dev/shm"));
    static final Set<String> MEMORY_TYPES = Set.of("tmpfs");
    static final long MEMORY_ROOM = 256L << 20;

    static Path memoryDir(String setting) {
        return setting.isBlank() || setting.equals("off") ? null : Path.of(setting);
    }

    /**
     * The warm-up's scratch directory in {@code memoryDir} for a node of {@code dataDir}: a dot name
     * ending in a digest of the data directory's path, so that a run killed midway leaves memory
     * the next start of that node frees. Null, and the data directory it is, when {@code memoryDir}
     * is not a directory of one of {@code types} with {@code room} bytes free, or when that name (or
     * its {@linkplain #discarded discarded} twin) is taken by anything but a directory of this
     * process's user: a link, or another user's directory, in a directory all users write to is
     * left alone, never followed nor deleted.
     *
     * <p>Why memory: the warm-up's tree is thrown away, and on the data disk its 10,000 or so
     * files made the next update slower. On ext4 without a journal, a new inode is not given a
     * number freed in the last minute, or six while its inode table block is unwritten: each
     * creation scanned past every one of them again. A following edge's cold copy of the spec
     * tree, started seconds after its warm-up's deletion, spent 4.1 s of its writers' 8 s in
     * {@code openat}, 2.4 s of it in that scan; started five minutes later, 2.2 s and 1.1 s.
     */
    static Path memoryScratch(Path dataDir, Path memoryDir, Set<String> types, long room) {
        try {
            if (!Files.isDirectory(memoryDir)) {
                return null;
            }
            FileStore fs = Files.getFileStore(memoryDir);
            if (!types.contains(fs.type()) || fs.getUsableSpace() < room || !Files.isWritable(memoryDir)) {
                return null;
            }
            byte[] key = dev.delta.engine.hash.Sha256.of(dataDir.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            Path p = memoryDir.resolve(SCRATCH + "-" + HexFormat.of().formatHex(key, 0, 8));
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            for (Path q : List.of(p, discarded(p))) {
                if (Files.exists(q, LinkOption.NOFOLLOW_LINKS)
                        && !(Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)
                        && (Integer) Files.getAttribute(q, "unix:uid", LinkOption.NOFOLLOW_LINKS) == uid)) {
                    LOG.debug("warm-up: {} is not a directory of ours; the data directory it is", q);
                    return null;
                }
            }
            return p;
        } catch (IOException | RuntimeException e) { // no such attribute view, no /proc: not Linux
            return null;
        }
    }

    /** Where a finished run's scratch directory is moved to be deleted: beside it, a dot name too. */
    static Path discarded(Path scratch) {
        return scratch.resolveSibling(scratch.getFileName() + ".old");
    }

    /** The deletion of the last run's scratch directory, on a thread of its own (done when none). */
    private static volatile CompletableFuture<Void> discarding =
            CompletableFuture.completedFuture(null);

    /** Waits for the last run's scratch directory to be deleted (tests, and a run that starts anew). */
    static void awaitDiscard() {
        discarding.join(); // never fails: the deletion logs what it could not do
    }

    /**
     * Moves {@code scratch} to {@code old} (one rename) and deletes it on a thread of its own, so
     * that work that arrived during the run waits for the rename only: deleting a run's 10,000 or
     * so files took 2 s on a busy two-core machine, and an edge announced its first version then
     * started syncing it 3.2 s after the publish instead of at once. Where the rename fails, the
     * directory is deleted here, as before.
     */
    private static void discard(Path scratch, Path old) throws IOException {
        if (!Files.exists(scratch, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.move(scratch, old, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            DatasetStore.deleteTree(scratch);
            return;
        }
        discarding = CompletableFuture.runAsync(() -> {
            try {
                DatasetStore.deleteTree(old);
            } catch (IOException | RuntimeException e) {
                LOG.debug("warm-up: {} not deleted yet ({}); the next run deletes it", old, e.toString());
            }
        }, r -> {
            Thread t = new Thread(r, "warm-up-discard");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        });
    }

    /** {@code n} text files of 1-12 KB in 40 directories, some deeper; returns them. */
    private static List<Path> writeTree(Path root, SplittableRandom random, int n) throws IOException {
        List<Path> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Path f = root.resolve("d" + i % 40 + (i % 3 == 0 ? "/sub" + i % 7 : "") + "/f" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.write(f, text(random, 1_000 + random.nextInt(11_000)));
            out.add(f);
        }
        return out;
    }

    /**
     * A release-like update: of every ten files, seven edited inside, one deleted, one renamed,
     * one left alone; a new directory of small files (fetched in groups) and new files beside old
     * ones.
     */
    private static void release(Path root, List<Path> files, SplittableRandom random) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            switch (i % 10) {
                case 0 -> {
                    Files.delete(f);
                }
                case 1 -> {
                    Files.move(f, f.resolveSibling("renamed-" + f.getFileName()));
                }
                case 9 -> {
                    // unchanged
                }
                default -> {
                    byte[] b = Files.readAllBytes(f);
                    int at = random.nextInt(b.length);
                    int cut = Math.min(b.length - at, random.nextInt(200));
                    byte[] ins = text(random, 20 + random.nextInt(400));
                    byte[] out = new byte[b.length - cut + ins.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(ins, 0, out, at, ins.length);
                    System.arraycopy(b, at + cut, out, at + ins.length, b.length - at - cut);
                    Files.write(f, out);
                }
            }
        }
        for (int i = 0; i < files.size() / 10; i++) {
            Path f = i % 2 == 0 ? root.resolve("new/n" + i + ".txt")
                    : files.get(i * 7 % files.size()).resolveSibling("added" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.write(f, text(random, 200 + random.nextInt(6_000)));
        }
    }

    private static byte[] text(SplittableRandom random, int n) {
        byte[] out = new byte[n];
        int k = 0;
        while (k < n) {
            byte[] w = WORDS[random.nextInt(WORDS.length)];
            int m = Math.min(w.length, n - k);
            System.arraycopy(w, 0, out, k, m);
            k += m;
            if (k < n) {
                out[k++] = (byte) (random.nextInt(12) == 0 ? '\n' : ' ');
            }
        }
        return out;
    }
}
