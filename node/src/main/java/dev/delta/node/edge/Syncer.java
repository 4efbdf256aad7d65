package dev.delta.node.edge;

import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.manifest.ManifestLimits;
import dev.delta.engine.manifest.ManifestSignatureException;
import dev.delta.engine.manifest.ManifestSigner;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.FileGroups;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.store.ChunkMismatchException;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.FetchRange;
import dev.delta.engine.store.ReleaseBuilder;
import dev.delta.engine.store.ReleaseMirror;
import dev.delta.engine.store.ReleaseSpare;
import dev.delta.engine.store.StoreException;
import dev.delta.node.release.ManifestEnvelope;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.ManifestBytes;
import dev.delta.protocol.client.ManifestHeader;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.client.ReferenceReader;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.plan.ReferenceWindows;
import dev.delta.protocol.wire.ManifestKind;
import dev.delta.protocol.wire.ProtocolVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * Brings one dataset on this node to a version of the upstream's:
 * <ol>
 *   <li>fetch the manifest — a delta against the version held here when the upstream still has
 *       it — rebuild it, check its root digest against the upstream's, and its signature when a
 *       trusted key is configured;</li>
 *   <li>plan against every retained release: chunks found locally are copied, the rest fetched as
 *       coalesced ranges, many requests in flight, each chunk checked against its id on arrival
 *       (a bad chunk is fetched again);</li>
 *   <li>verify each file's SHA-256, commit the release and switch {@code current} atomically.</li>
 * </ol>
 * Interrupted at any point, it resumes from the chunks already verified in staging.
 */
public final class Syncer {
    private static final Logger LOG = LoggerFactory.getLogger(Syncer.class);
    /**
     * Largest range requested at once; one such buffer per request in flight. An origin cuts the
     * patches it stores for following edges along the same ranges ({@code FollowerPatches}).
     */
    public static final long MAX_RANGE_BYTES = 1 << 20;
    /** Ranges per GET_RANGES request. */
    static final int RANGES_PER_REQUEST = 64;
    private static final int REFETCH_ROUNDS = 3;
    /**
     * Requests in flight on one connection. A tree of small files is one request per file, so
     * this bounds how many round trips overlap; it stays under the server's default of 64.
     */
    public static final int MAX_IN_FLIGHT = 48;

    private final DeltaClient client;
    private final Path dataDir;
    private PublicKey trusted;
    private int retention = 5;
    private boolean follow;
    private LongConsumer progress = b -> { };
    /**
     * Decoded manifests of this node's retained releases, kept between syncs (a following node
     * syncs version after version): by dataset and version, each with the root digest it was
     * checked against, and used only while the store still records that digest for it.
     */
    private final Map<String, Known> known = new java.util.concurrent.ConcurrentHashMap<>();

    /** Bytes the last sync copied locally while its ranges were on the wire; for tests. */
    volatile long lastCopiedAlongside;
    /** Connections the last sync's fetch went over, and its rounds; for tests. */
    volatile int lastConnections;
    volatile int lastRounds;
    /** Bytes the last sync read back from staging to hash them; for tests. */
    volatile long lastReread;
    /** Groups of small files the last sync's first round fetched as such (GET_FILES); for tests. */
    volatile int lastGroups;
    /** Tasks the last sync's fetch handed to its writers (each one or more full ranges); for tests and the log. */
    private final java.util.concurrent.atomic.AtomicInteger handOvers = new java.util.concurrent.atomic.AtomicInteger();

    /** Tasks the last sync's fetch handed to its writers; for tests. */
    int lastHandOvers() {
        return handOvers.get();
    }

    /** The time the last rebuild of a manifest from a delta spent reading the held manifest's bytes. */
    private long lastRebuildRead;
    /** Whether the last sync planned against a chunk index built ahead ({@link #prepareIndex}); for tests. */
    volatile boolean lastIndexAhead;
    /**
     * Chunk indexes built while idle ({@link #prepareIndex}), by dataset: each with the versions
     * and root digests of the releases it covers, and taken by the next sync only if the store
     * retains exactly those.
     */
    private final Map<String, PreparedIndex> preparedIndexes = new java.util.concurrent.ConcurrentHashMap<>();

    private record PreparedIndex(List<Long> versions, List<byte[]> roots, ChunkIndex index) {
    }

    /**
     * Connections a fetch is spread over by default: one. The upstream serves each connection on
     * one I/O thread (reading, patching, compressing), so more connections let a single edge use
     * more of an upstream's cores; on the 2-core machines measured so far that bought nothing (the
     * cores were busy with the edge's own work), so it is an option ({@link #connections}).
     */
    public static final int DEFAULT_CONNECTIONS = 1;
    /** A fetch round with fewer requests than this, and fewer bytes than the next, keeps to one connection. */
    static final int REQUESTS_FOR_MORE_CONNECTIONS = 8;
    static final long BYTES_FOR_MORE_CONNECTIONS = 8L << 20;
    private int connections = 1;
    private java.util.concurrent.Callable<DeltaClient> opener;
    /** Wire bytes of the extra connections syncs opened (each is closed when its fetch ends). */
    private final AtomicLong extraIn = new AtomicLong();
    private final AtomicLong extraOut = new AtomicLong();
    /** The reference windows the last sync read for patches, on the connections' I/O threads. */
    private volatile FileReferenceReader.ReadTime referenceReads = new FileReferenceReader.ReadTime();

    private record Known(byte[] root, Manifest manifest) {
    }

    public Syncer(DeltaClient client, Path dataDir) {
        this.client = client;
        this.dataDir = dataDir;
    }

    /** Accept only manifests signed by this key. */
    public Syncer trust(PublicKey key) {
        this.trusted = key;
        return this;
    }

    public Syncer trust(Path publicKeyFile) throws IOException {
        return trust(KeyFiles.readPublicKey(publicKeyFile));
    }

    public Syncer retention(int keep) {
        this.retention = keep;
        return this;
    }

    /** Whether a newer version ends a rollback hold and goes live, or (the default) is only stored. */
    public Syncer follow(boolean f) {
        this.follow = f;
        return this;
    }

    /**
     * Spreads a big fetch over up to {@code n} connections to the same upstream: the one given to
     * the constructor and {@code n - 1} more opened with {@code opener} for that fetch and closed
     * after it. A connection that cannot be opened is done without (the fetch goes over fewer).
     */
    public Syncer connections(int n, java.util.concurrent.Callable<DeltaClient> opener) {
        if (n < 1) {
            throw new IllegalArgumentException("connections must be 1 or more, not " + n);
        }
        this.connections = n;
        this.opener = opener;
        return this;
    }

    private long wireIn() {
        return client.wireBytesReceived() + extraIn.get();
    }

    private long wireOut() {
        return client.wireBytesSent() + extraOut.get();
    }

    /** Receives the bytes fetched so far, from any thread. */
    public Syncer progress(LongConsumer p) {
        this.progress = p;
        return this;
    }

    /** A fetched, verified target manifest, its canonical encoding and root digest. */
    record Target(Manifest manifest, byte[] encoded, byte[] root, long manifestBytes) {
    }

    /**
     * The release {@code current} points at, as far as a sync needs it: its version and stored
     * manifest bytes at once, the decoded manifest only when something changed.
     */
    static final class Local {
        final DatasetStore store;
        final long version;
        private byte[] bytes;
        private byte[] root;
        private Manifest manifest;

        private final Syncer owner;

        /** @param locked whether the dataset lock is held (then a missing root record is written) */
        Local(Syncer owner, DatasetStore store, boolean locked) throws IOException {
            this.owner = owner;
            this.store = store;
            OptionalLong cur = store.current();
            this.version = cur.isPresent() ? cur.getAsLong() : 0;
            this.root = version == 0 ? null : locked ? store.rootDigestRecorded(version) : store.rootDigest(version);
        }

        /** The root digest of the current release, or null when there is none. */
        byte[] root() {
            return root;
        }

        /** The stored manifest of the current release, or null. */
        byte[] bytes() throws IOException {
            if (bytes == null && version > 0) {
                bytes = store.manifestBytes(version);
            }
            return bytes;
        }

        /** The decoded manifest of the current release, or null. */
        Manifest manifest() throws IOException {
            if (manifest == null && version > 0) {
                manifest = owner.kept(store, version, root());
                if (manifest == null) {
                    try {
                        manifest = new ManifestCodec().decode(bytes());
                    } catch (ManifestFormatException e) {
                        throw new StoreException("the stored manifest of " + store.dataset() + " v" + version
                                + ", the current release, is damaged (" + store.manifestFile(version) + ": " + e.getMessage() + "); nothing was changed. 'delta rollback "
                                + "--to N' to another retained release lets syncs go on from there, or sync into a new "
                                + "data directory", e);
                    }
                    owner.known.put(key(store.dataset(), version), new Known(root(), manifest));
                }
            }
            return manifest;
        }

        /**
         * Whether the upstream's answer names this very release: same version, same root digest
         * (SHA-256 of the whole manifest, so the same bytes). A committed release was verified
         * file by file when it was committed, so nothing of it needs reading again.
         */
        boolean isAt(ManifestHeader h, long wanted) {
            return version > 0 && h.version() == version && (wanted == 0 || wanted == version)
                    && MessageDigest.isEqual(h.rootDigest().toArray(), root());
        }
    }

    /** What a sync would do, without changing anything. */
    public record Preview(SyncResult result, RangePlan plan) {
    }

    /** Plans a sync without changing anything (no lock, no staging). */
    public Preview preview(String dataset, long version) throws IOException, DeltaException {
        long t0 = System.nanoTime();
        long wireIn0 = wireIn();
        long wireOut0 = wireOut();
        DatasetStore store = DatasetStore.open(dataDir, dataset);
        Local local = new Local(this, store, false);
        ManifestBytes mb = DeltaClient.await(client.fetchManifest(dataset, version, local.version));
        Target t = targetOrWhole(store, local, dataset, version, mb);
        Manifest currentManifest = local.manifest();
        RangePlan p = new RangePlanner().plan(currentManifest, store.chunkIndex(currentManifest), t.manifest());
        boolean same = local.version == t.manifest().version() && !p.diff().hasDifferences();
        return new Preview(result(t.manifest().version(), t.manifest().totalBytes(), local.version, same, false, p,
                p.bytesToFetch(), 0, t.manifestBytes(), wireIn0, wireOut0, t0), p);
    }

    /** Syncs {@code dataset} to {@code version} (0 = the upstream's current). */
    public SyncResult sync(String dataset, long version) throws IOException, DeltaException {
        long t0 = System.nanoTime();
        long wireIn0 = wireIn();
        long wireOut0 = wireOut();
        DatasetStore store = DatasetStore.open(dataDir, dataset);
        try (DatasetStore.Lock lock = store.lock()) {
            Local local = new Local(this, store, true);
            long previous = local.version;
            ManifestBytes mb = DeltaClient.await(client.fetchManifest(dataset, version, previous));
            long tAnswer = System.nanoTime();
            if (local.isAt(mb.header(), version)) {
                // Up to date: no decode, no plan, no look at the release's files.
                checkSignature(dataset, previous, ManifestEnvelope.decode(mb.bytes()), local.root());
                long total = store.totalBytes(previous); // recorded at commit: no manifest read
                long ms = (System.nanoTime() - t0) / 1_000_000;
                LOG.debug("{}: up to date at v{} ({} ms)", dataset, previous, ms);
                return result(previous, total, previous, true, false, null, 0, 0, mb.bytes().length,
                        wireIn0, wireOut0, t0);
            }
            Target t = targetOrWhole(store, local, dataset, version, mb);
            Manifest target = t.manifest();
            long tManifest = System.nanoTime();
            // the lock is held: no rollback changes the hold while this sync runs
            OptionalLong heldAt = store.heldAt();
            if (!follow && heldAt.isPresent() && target.version() != previous
                    && store.versions().contains(target.version())
                    && MessageDigest.isEqual(store.rootDigest(target.version()), t.root())) {
                // An earlier sync stored it; the hold keeps current where it is: nothing to build.
                SyncResult r = result(target.version(), target.totalBytes(), previous, false, false, null, 0, 0,
                        t.manifestBytes(), wireIn0, wireOut0, t0).alreadyStoredHere();
                writeStatus(store, r);
                LOG.info("{}: v{} is already stored; current stays at v{}, held by a rollback", dataset,
                        target.version(), heldAt.getAsLong());
                return r;
            }
            Base base = local.version > 0 ? new Base(local.version, local.manifest(), store.releaseDir(local.version))
                    : null;
            if (base != null) {
                base.windows().prepare(base.manifest(), target); // a big file's windows, while the plan is made
            }
            ChunkIndex ahead = takeIndex(store);
            lastIndexAhead = ahead != null;
            ReleaseBuilder b;
            try {
                b = ReleaseBuilder.start(store, target, t.encoded(), t.root(), local.manifest(), MAX_RANGE_BYTES,
                        v -> retained(store, v), ahead);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            long tPlan = System.nanoTime();
            b.prepareLocal(true); // a big file's local copies are made while its ranges are on the wire
            long tLocal = System.nanoTime();
            if (b.bytesResumed() > 0) {
                LOG.info("{} v{}: resuming; {} bytes already verified in staging", dataset, target.version(),
                        b.bytesResumed());
            }
            b.startLocalCopies();
            b.startCommitAhead(); // what commit needs nothing fetched for, while the ranges are on the wire
            long fetched;
            boolean fetchedAll = false;
            try {
                fetched = fetchAll(dataset, target.version(), b, base);
                b.awaitLocalCopies();
                fetchedAll = true;
            } finally {
                if (!fetchedAll) {
                    b.abandonLocalCopies(); // a failed fetch: nothing goes on in staging once the lock is released
                }
            }
            long tFetch = System.nanoTime();
            lastCopiedAlongside = b.bytesCopiedAlongside();
            lastReread = b.bytesReread();
            boolean held = heldAt.isPresent();
            boolean switchNow = !held || follow;
            b.commit(switchNow);
            if (switchNow && held) {
                store.releaseHold();
            }
            long tCommit = System.nanoTime();
            List<String> pruneFailures = new ArrayList<>();
            List<Long> pruned = store.prune(retention, pruneFailures);
            if (!pruned.isEmpty()) {
                LOG.info("{}: pruned releases {}", dataset, pruned);
            }
            // v is committed and live whatever pruning did: a release left behind is retried next time
            pruneFailures.forEach(f -> LOG.warn("{}: {}; v{} is committed, the next sync tries again", dataset, f,
                    target.version()));
            known.put(key(dataset, target.version()), new Known(t.root(), target));
            for (long v : pruned) {
                known.remove(key(dataset, v));
            }
            SyncResult r = result(target.version(), target.totalBytes(), previous, false, switchNow, b.plan(), fetched,
                    b.bytesResumed(), t.manifestBytes(), wireIn0, wireOut0, t0);
            writeStatus(store, r);
            long zeros = b.plan().bytesZero();
            String reused = zeros == 0 ? r.bytesReusedLocal() + " locally"
                    : (r.bytesReusedLocal() - zeros) + " locally, " + zeros + " zeros left as holes";
            if (switchNow) {
                LOG.info("{}: applied v{} ({} files, {} bytes; fetched {}, reused {}) in {} ms", dataset,
                        r.version(), target.fileCount(), r.bytesTotal(), r.bytesFetched(), reused, r.durationMs());
            } else {
                LOG.info("{}: stored v{} ({} files, {} bytes; fetched {}, reused {}) in {} ms; current stays "
                        + "at v{}, held by a rollback", dataset, r.version(), target.fileCount(), r.bytesTotal(),
                        r.bytesFetched(), reused, r.durationMs(), heldAt.getAsLong());
            }
            LOG.debug("{} v{}: manifest answer {} ms, rebuilt {} ms (reading the held manifest {} ms); plan {} ms "
                            + "(chunk index {}), local {} ms, "
                            + "fetch {} ms over {} "
                            + "connection(s), {} group(s) of small files, {} round(s), {} hand-over(s) to the writers "
                            + "(local copies alongside {} ms; {} "
                            + "bytes read back to hash; {} bytes of reference windows read in {} ms), commit {} ms ({})",
                    dataset, target.version(), ms(t0, tAnswer), ms(tAnswer, tManifest), lastRebuildRead / 1_000_000,
                    ms(tManifest, tPlan),
                    lastIndexAhead ? "built ahead" : "built now",
                    ms(tPlan, tLocal), ms(tLocal, tFetch), lastConnections, lastGroups, lastRounds, handOvers.get(),
                    b.localCopyMillis(), b.bytesReread(), referenceReads.bytes.get(),
                    referenceReads.nanos.get() / 1_000_000, ms(tFetch, tCommit), b.commitTimes());
            return r;
        }
    }

    /**
     * While idle, links a mirror of the current release ({@link ReleaseMirror}) so that the next
     * sync's build touches only the paths that change. An optimization only: a busy dataset (a
     * {@code delta sync} or rollback in another process) or a failure skips it.
     *
     * @param abort checked between batches of files; true stops early (a new version arrived)
     */
    public void prepareMirror(String dataset, java.util.function.BooleanSupplier abort) {
        whileIdle(dataset, abort, "the mirror of the current release", (store, v, t0) -> {
            boolean ready = ReleaseMirror.prepare(store, current(store, v), store.rootDigest(v), abort);
            LOG.debug("{}: mirror of v{} {} in {} ms", dataset, v, ready ? "ready" : "stopped",
                    ms(t0, System.nanoTime()));
        });
    }

    /** How the log begins to say, once per dataset and cause, that an idle pass wrote no spare file. */
    public static final String NO_SPARE_LINE = "no spare file written";
    private final Set<String> noSpareTold = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * While idle, writes the spare file the next update of a big file is written over
     * ({@link ReleaseSpare}), when the current release has one of {@link ReleaseSpare#MIN_BYTES}
     * or more and no spare big enough is there, then waits for it to reach the disk (without the
     * dataset's lock: a version arriving meanwhile is not held up). An optimization only: a busy
     * dataset, too little room or a failure skips it (said once, at INFO), and that update writes
     * a new file.
     *
     * @param abort checked between pieces (a new version arrived)
     */
    public void prepareSpare(String dataset, java.util.function.BooleanSupplier abort) {
        AtomicReference<DatasetStore> written = new AtomicReference<>();
        whileIdle(dataset, abort, "a spare file", (store, v, t0) -> {
            ReleaseSpare.Outcome o;
            try {
                o = ReleaseSpare.prepare(store, current(store, v), abort);
            } catch (IOException e) {
                if (noSpareTold.add(dataset + " " + e.getClass().getName())) {
                    LOG.info("{}: {}: {}; an update of a big file writes a new file", dataset, NO_SPARE_LINE,
                            e.toString());
                }
                return;
            }
            if (o == ReleaseSpare.Outcome.WRITTEN) {
                LOG.info("{}: wrote a spare file of {} MiB for the next update of a big file, in {} ms", dataset,
                        ReleaseSpare.size(store) >> 20, ms(t0, System.nanoTime()));
                written.set(store);
            } else if (o == ReleaseSpare.Outcome.NO_ROOM && noSpareTold.add(dataset + " no room")) {
                LOG.info("{}: {}: too little free space (it needs as much again as the biggest file, and 1 GiB "
                        + "more, free); an update of a big file writes a new file", dataset, NO_SPARE_LINE);
            }
        });
        if (written.get() != null && !abort.getAsBoolean()) {
            long t0 = System.nanoTime();
            try {
                ReleaseSpare.flush(written.get());
                LOG.debug("{}: spare file on disk in {} ms", dataset, ms(t0, System.nanoTime()));
            } catch (IOException e) {
                LOG.debug("{}: flushing the spare file failed: {}", dataset, e.toString());
            }
        }
    }

    /** Work done while idle, under the dataset's lock, on its current release {@code version}. */
    private interface IdleWork {
        void run(DatasetStore store, long version, long startNanos) throws IOException;
    }

    /**
     * Runs {@code work} under the dataset's lock if it has a current release and {@code abort} is
     * still false. Idle work is an optimization: a failure is logged, never thrown, and the next
     * sync does without it.
     */
    private void whileIdle(String dataset, java.util.function.BooleanSupplier abort, String what, IdleWork work) {
        long t0 = System.nanoTime();
        try {
            DatasetStore store = DatasetStore.open(dataDir, dataset);
            try (DatasetStore.Lock lock = store.lock()) {
                OptionalLong cur = store.current();
                if (cur.isEmpty() || abort.getAsBoolean()) {
                    return;
                }
                work.run(store, cur.getAsLong(), t0);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.debug("{}: no {} made while idle: {}", dataset, what, e.toString());
        } catch (RuntimeException e) {
            LOG.warn("{}: making {} while idle failed (the next sync does without it)", dataset, what, e);
        }
    }

    /**
     * While idle, builds the chunk index the next sync plans against (every chunk of every
     * retained release), so that a following node's update does not spend its first 100-200 ms
     * indexing a big tree that has not changed since the last one. Kept in memory until that sync
     * takes it, used only if the store then retains exactly the same releases. An optimization
     * only: a busy dataset or a failure skips it, and the sync builds its own.
     *
     * @param abort checked before the work starts (a new version arrived)
     */
    public void prepareIndex(String dataset, java.util.function.BooleanSupplier abort) {
        whileIdle(dataset, abort, "the chunk index of the retained releases", (store, v, t0) -> {
            List<Long> versions = store.versions();
            List<byte[]> roots = new ArrayList<>(versions.size());
            for (long r : versions) {
                roots.add(store.rootDigest(r));
            }
            // the next sync's lookups of paths in the current release and its totals, paid now
            Manifest cur = current(store, v).indexPaths();
            ChunkIndex index = store.chunkIndex(cur, r -> retained(store, r));
            preparedIndexes.put(dataset, new PreparedIndex(List.copyOf(versions), roots, index));
            LOG.debug("{}: chunk index of {} release(s) ready in {} ms", dataset, versions.size(),
                    ms(t0, System.nanoTime()));
        });
    }

    /**
     * While idle, once per process: rehearses an update of the current release in memory
     * ({@link Rehearsal}), so that the first real update runs compiled code. The inputs are read
     * under the dataset's lock; the rehearsal runs outside it. Off with
     * {@code -Ddelta.edge.rehearse=false} (for measuring what it saves).
     */
    public void rehearse(String dataset, java.util.function.BooleanSupplier abort) {
        if (!REHEARSE || rehearsed.get()) {
            return;
        }
        AtomicReference<Rehearsed> read = new AtomicReference<>();
        whileIdle(dataset, abort, "a rehearsal of an update", (store, v, t0) ->
                read.set(new Rehearsed(retained(store, v), store.manifestBytes(v), store.rootDigest(v))));
        Rehearsed in = read.get();
        if (in == null || abort.getAsBoolean()) {
            return;
        }
        // It holds a second copy of the manifest for a moment (as an update does, but beside the
        // index kept for the next one): never where that could run the heap out.
        long room = heapRoom();
        if (in.encoded().length * REHEARSAL_HEAP_FACTOR > room && !abort.getAsBoolean()) {
            // What the heap holds right after a sync is mostly the sync's garbage: a spec-scale edge
            // found 94 MB free of 256 MB, skipped the rehearsal, and its next update rebuilt the
            // manifest in 313 ms instead of ~110. Collected (while idle, once per start), it has room.
            System.gc();
            room = heapRoom();
        }
        if (in.encoded().length * REHEARSAL_HEAP_FACTOR > room) {
            LOG.debug("{}: no rehearsal of an update: a {}-byte manifest, {} bytes of heap free", dataset,
                    in.encoded().length, room);
            rehearsed.set(true);
            return;
        }
        if (!rehearsed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            Rehearsal.Result r = Rehearsal.run(in.manifest(), in.encoded(), in.root(), MAX_RANGE_BYTES, abort);
            if (r == null) {
                rehearsed.set(false); // cut short or nothing to edit: another idle pass tries again
                return;
            }
            LOG.debug("{}: rehearsed an update of {} of {} files in memory in {} ms (JIT warm-up)", dataset,
                    r.filesEdited(), in.manifest().fileCount(), ms(t0, System.nanoTime()));
        } catch (dev.delta.engine.manifest.ManifestFormatException | RuntimeException e) {
            LOG.warn("{}: the rehearsal of an update failed (nothing depends on it)", dataset, e);
        }
    }

    /** Heap not in use (garbage not yet collected counts as in use), up to the maximum heap. */
    private static long heapRoom() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Free heap a rehearsal asks for, as a multiple of the manifest's encoded size (an estimate
     * with a margin, not a measurement: for the spec tree's 8.8 MB manifest, two more encodings,
     * the delta, the edited and rebuilt entry lists, whose entries are mostly shared, and an index
     * of the release's chunks).
     */
    static final long REHEARSAL_HEAP_FACTOR = 8;
    /** What {@link #rehearse} reads of the current release under the lock. */
    private record Rehearsed(Manifest manifest, byte[] encoded, byte[] root) {
    }

    /** See {@link #rehearse}. */
    private static final boolean REHEARSE = Boolean.parseBoolean(System.getProperty("delta.edge.rehearse", "true"));
    private final java.util.concurrent.atomic.AtomicBoolean rehearsed = new java.util.concurrent.atomic.AtomicBoolean();

    /** The index {@link #prepareIndex} built, if the store still retains exactly its releases; else null. */
    private ChunkIndex takeIndex(DatasetStore store) throws IOException {
        PreparedIndex p = preparedIndexes.remove(store.dataset());
        if (p == null) {
            return null;
        }
        List<Long> versions = store.versions();
        if (!versions.equals(p.versions())) {
            return null;
        }
        for (int i = 0; i < versions.size(); i++) {
            if (!MessageDigest.isEqual(store.rootDigest(versions.get(i)), p.roots().get(i))) {
                return null;
            }
        }
        return p.index();
    }

    private static String key(String dataset, long version) {
        return dataset + "/" + version;
    }

    /**
     * The decoded manifest of {@code version}, the dataset's current release, kept in
     * {@link #known}: the next sync diffs against it, and a following node keeps it there after
     * every sync anyway. After a restart the first idle pass decodes it once for the mirror, the
     * index, the rehearsal and that sync; before, each decoded it apart, the first update inside its
     * rebuild (replays at the spec scale: 382-573 ms to rebuild the manifest, 219-303 ms with
     * the current manifest at hand). Only the current release: never the retained ones.
     */
    private Manifest current(DatasetStore store, long version) throws IOException {
        byte[] root = store.rootDigest(version);
        Manifest m = kept(store, version, root);
        if (m == null) {
            m = store.manifest(version);
            known.put(key(store.dataset(), version), new Known(root, m));
        }
        return m;
    }

    /** The manifest of {@code version} kept in {@link #known}, if it was checked against {@code root}; else null. */
    private Manifest kept(DatasetStore store, long version, byte[] root) {
        Known k = known.get(key(store.dataset(), version));
        return k != null && MessageDigest.isEqual(k.root(), root) ? k.manifest() : null;
    }

    /** Whether the decoded manifest of {@code dataset} {@code version} is kept; for tests. */
    boolean knows(String dataset, long version) {
        return known.containsKey(key(dataset, version));
    }

    /**
     * A retained release's decoded manifest: kept from an earlier sync while its root digest
     * holds, else decoded now and not kept. The manifests this node synced share the entries of
     * every file that did not change (each was rebuilt from the one before); decoded apart, each
     * is a copy of all of them (~37 MB at 80,000 files), and five retained releases of that size
     * once put an edge restarted mid-update out of its 256 MB heap.
     */
    private Manifest retained(DatasetStore store, long version) {
        try {
            Manifest m = kept(store, version, store.rootDigest(version));
            return m != null ? m : store.manifest(version);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    /** Leaves the last sync's figures in {@code .delta/last-sync.json} for operators and scripts. */
    private static void writeStatus(DatasetStore store, SyncResult r) {
        String json = String.format(java.util.Locale.ROOT, "{\"version\": %d, \"previous_version\": %d, "
                        + "\"files_added\": %d, \"files_updated\": %d, \"files_deleted\": %d, \"bytes_total\": %d, "
                        + "\"bytes_reused_local\": %d, \"bytes_fetched\": %d, \"bytes_resumed\": %d, "
                        + "\"manifest_bytes\": %d, \"wire_bytes_received\": %d, \"wire_bytes_sent\": %d, "
                        + "\"duration_ms\": %d, \"switched\": %b, \"finished_at\": \"%s\"}%n",
                r.version(), r.previous(), r.filesAdded(), r.filesUpdated(), r.filesDeleted(), r.bytesTotal(),
                r.bytesReusedLocal(), r.bytesFetched(), r.bytesResumed(), r.manifestBytes(), r.wireReceived(),
                r.wireSent(), r.durationMs(), r.switched(), java.time.Instant.now());
        Path f = store.root().resolve(".delta/last-sync.json");
        Path tmp = store.root().resolve(".delta/.last-sync.json.tmp");
        try {
            java.nio.file.Files.writeString(tmp, json);
            java.nio.file.Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("{}: cannot write {}: {}", store.dataset(), f, e.toString());
        }
    }

    private SyncResult result(long version, long totalBytes, long previous, boolean upToDate, boolean switched,
                              RangePlan p, long fetched, long resumed, long manifestBytes, long wireIn0, long wireOut0,
                              long t0) {
        int added = 0;
        int updated = 0;
        int deleted = 0;
        long reused = totalBytes;
        if (p != null) {
            added = p.diff().filesAdded();
            updated = p.diff().filesUpdated();
            deleted = p.diff().filesDeleted();
            reused = p.bytesReused();
        }
        return new SyncResult(version, previous, upToDate, switched, added, updated, deleted, totalBytes, reused,
                fetched, resumed, manifestBytes, wireIn() - wireIn0, wireOut() - wireOut0,
                (System.nanoTime() - t0) / 1_000_000, false);
    }

    /**
     * Rebuilds the target manifest from the upstream's answer (a delta against the local release,
     * or whole) and checks its root digest, dataset, version and signature.
     */
    /**
     * {@link #target}, asking for the whole manifest when the upstream's delta does not apply: its
     * base has the number of a release held here but other content (this edge synced from another
     * origin, or the origin was rebuilt and numbers its versions again). Without this the edge
     * asked for the same delta at every sync and never moved. The plan then works from the
     * content held here as always; a target whose number is taken here by other content is still
     * refused by the build.
     */
    private Target targetOrWhole(DatasetStore store, Local local, String dataset, long version, ManifestBytes mb)
            throws IOException, DeltaException {
        try {
            return target(store, local, dataset, version, mb);
        } catch (ManifestFormatException e) {
            if (mb.header().kind() != ManifestKind.DELTA) {
                throw e;
            }
            LOG.warn("{}: the upstream's manifest delta does not apply to the releases held here ({}); asking for "
                    + "the whole manifest", dataset, e.getMessage());
            return target(store, local, dataset, version, DeltaClient.await(client.fetchManifest(dataset, version, 0)));
        }
    }

    Target target(DatasetStore store, Local local, String dataset, long version, ManifestBytes mb)
            throws IOException {
        lastRebuildRead = 0;
        ManifestEnvelope env = ManifestEnvelope.decode(mb.bytes());
        byte[] announced = mb.header().rootDigest().toArray();
        Manifest m;
        byte[] encoded;
        byte[] root;
        if (mb.header().kind() == ManifestKind.DELTA) {
            long base = ManifestDelta.baseVersion(env.body());
            ManifestDelta.Applied a;
            if (base == local.version && local.version > 0) {
                long r0 = System.nanoTime();
                byte[] held = local.bytes();
                lastRebuildRead = System.nanoTime() - r0;
                a = ManifestDelta.applyEncoded(local.manifest(), held, local.root(), env.body(),
                        ManifestLimits.DEFAULT);
            } else {
                a = ManifestDelta.applyEncoded(store.manifest(base), store.rootDigest(base), env.body(),
                        ManifestLimits.DEFAULT);
            }
            m = a.manifest();
            encoded = a.encoded();
            root = a.rootDigest();
        } else {
            // An upstream sends a whole manifest in its canonical encoding: when the body's own
            // digest is the announced root, the body is those very bytes, and encoding the decoded
            // manifest again (60-130 ms of a cold edge's start at 80k files) would only repeat them.
            byte[] body = env.body();
            byte[] digest = ManifestCodec.rootDigest(body);
            m = new ManifestCodec().decode(body);
            if (MessageDigest.isEqual(digest, announced)) {
                encoded = body;
                root = digest;
            } else { // another encoding of the same manifest would still pass; anything else fails below
                encoded = new ManifestCodec().encode(m);
                root = ManifestCodec.rootDigest(encoded);
            }
        }
        if (!MessageDigest.isEqual(root, announced)) {
            throw new StoreException("manifest of " + dataset + " v" + m.version()
                    + " does not match the root digest the upstream announced; rejected");
        }
        if (!m.dataset().equals(dataset) || m.version() != mb.header().version()
                || (version != 0 && m.version() != version)) {
            throw new StoreException("upstream sent " + m.dataset() + " v" + m.version() + " for a request of "
                    + dataset + (version == 0 ? " (latest)" : " v" + version));
        }
        checkSignature(dataset, m.version(), env, root);
        return new Target(m, encoded, root, mb.bytes().length);
    }

    /** With a trusted key configured, the envelope must carry a valid signature of {@code root} by it. */
    private void checkSignature(String dataset, long version, ManifestEnvelope env, byte[] root)
            throws StoreException {
        if (trusted == null) {
            return;
        }
        if (env.signature() == null) {
            throw new StoreException(dataset + " v" + version + " is not signed, and this node only accepts "
                    + "manifests signed by " + KeyFiles.fingerprint(trusted));
        }
        try {
            ManifestSigner.verify(env.signature(), root, trusted);
        } catch (ManifestSignatureException e) {
            throw new StoreException(dataset + " v" + version + ": signature rejected: " + e.getMessage(), e);
        }
    }

    /**
     * The release a sync starts from, which both ends hold: a range of a file that was there too is
     * asked for with a window of the old file as reference, so an edit travels as a patch.
     */
    record Base(long version, Manifest manifest, Path dir, Windows windows) {
        Base(long version, Manifest manifest, Path dir) {
            this(version, manifest, dir, new Windows());
        }
    }

    /**
     * The {@link ReferenceWindows} of the file whose ranges are being asked for: a big file's
     * ranges go in many requests, one after another, and its windows index its whole chunk list
     * (100,000 chunks for a 500 MB tar), so they are built once for all of them, not per request.
     */
    static final class Windows {
        /** Files of at least this many chunks (about 40 MB) have their windows built ahead, in {@link #prepare}. */
        static final int PREPARE_MIN_CHUNKS = 5_000;
        private String path;
        private ReferenceWindows windows;
        /** The windows built ahead ({@link #prepare}): for the file it names, or none; or null. */
        private java.util.concurrent.FutureTask<Ahead> prepared;
        /** How many were built, and how many of those ahead; for tests. */
        int built;
        int builtAhead;

        /** What {@link #prepare} found and built: the windows of {@code path}, or nothing (null path). */
        private record Ahead(String path, ReferenceWindows windows) {
        }

        synchronized ReferenceWindows of(Entry old, Entry neu) {
            if (windows == null || !neu.path().equals(path)) {
                java.util.concurrent.FutureTask<Ahead> task = prepared;
                prepared = null;
                Ahead ahead = task == null ? null : join(task);
                boolean use = ahead != null && neu.path().equals(ahead.path());
                windows = use ? ahead.windows() : new ReferenceWindows(old, neu);
                builtAhead += use ? 1 : 0;
                path = neu.path();
                built++;
            }
            return windows;
        }

        /**
         * Starts finding and building, on a thread of its own, the windows of the first big file (at
         * least {@link #PREPARE_MIN_CHUNKS} chunks) that both versions hold and that changed: its
         * ranges are asked for first and cannot go before its windows are built (for a 500 MB tar,
         * 60,000 chunks a side), so they are built while the sync is planned rather than after. The
         * search too is a pass over every entry (tens of milliseconds at 100,000), off the sync's way.
         */
        void prepare(Manifest base, Manifest target) {
            java.util.concurrent.FutureTask<Ahead> task = new java.util.concurrent.FutureTask<>(() -> {
                for (Entry neu : target.entries()) {
                    if (!neu.isFile() || neu.chunks().size() < PREPARE_MIN_CHUNKS) {
                        continue;
                    }
                    Entry old = base.get(neu.path());
                    if (old == null || !old.isFile() || java.util.Arrays.equals(old.sha256(), neu.sha256())) {
                        continue;
                    }
                    return new Ahead(neu.path(), new ReferenceWindows(old, neu));
                }
                return new Ahead(null, null);
            });
            synchronized (this) {
                prepared = task;
            }
            Thread th = new Thread(task, "sync-windows");
            th.setDaemon(true);
            th.start();
        }

        /** What was built ahead; nothing if that failed (the caller builds its own). */
        private static Ahead join(java.util.concurrent.FutureTask<Ahead> ahead) {
            try {
                return ahead.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return null;
            }
        }
    }

    /**
     * The reference for ranges of {@code path}: its old copy in the base and, per range, the old
     * bytes between the chunks anchoring the edit; null when the base has no such file. {@code neu}
     * is the target's entry of {@code path} (null: none).
     */
    static RangeReference reference(Base base, Entry neu, String path, List<FetchRange> batch) {
        if (base == null) {
            return null;
        }
        Entry old = base.manifest().get(path);
        if (old == null || neu == null || !old.isFile() || !neu.isFile()) {
            return null;
        }
        ReferenceWindows rw = base.windows().of(old, neu);
        List<RangeReference.Window> windows = new ArrayList<>(batch.size());
        boolean any = false;
        for (FetchRange r : batch) {
            long[] w = rw.window(r.firstChunk(), r.chunkCount());
            windows.add(w == null ? RangeReference.NONE : new RangeReference.Window(w[0], (int) w[1]));
            any |= w != null;
        }
        return any ? new RangeReference(base.version(), "", windows) : null;
    }

    /**
     * Fetches every pending range, refetching ranges whose chunks fail their ids (and the
     * unfinished ranges of an extra connection that was lost); returns bytes accepted.
     */
    private long fetchAll(String dataset, long version, ReleaseBuilder b, Base base) throws IOException, DeltaException {
        List<FetchRange> remaining = b.pending();
        lastGroups = 0;
        lastRounds = 0;
        handOvers.set(0);
        referenceReads = new FileReferenceReader.ReadTime();
        AtomicLong accepted = new AtomicLong();
        List<DeltaClient> pool = new ArrayList<>(List.of(client));
        // extra connections that failed a request: not used for the fetch's next rounds
        java.util.Set<DeltaClient> shunned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutorService writers = Executors.newFixedThreadPool(2, r -> {
            Thread th = new Thread(r, "sync-writer");
            th.setDaemon(true);
            return th;
        });
        try {
            int extra = moreConnections(remaining);
            for (int i = 0; i < extra; i++) {
                try {
                    pool.add(opener.call());
                } catch (Exception e) {
                    LOG.debug("{} v{}: fetching over {} connection(s); another could not be opened: {}", dataset,
                            version, pool.size(), e.toString());
                    break;
                }
            }
            lastConnections = pool.size();
            for (int round = 0; !remaining.isEmpty(); round++) {
                lastRounds = round + 1;
                // a round that asked for groups does not count: a refused group goes again file by file
                if (round == REFETCH_ROUNDS + (lastGroups > 0 ? 1 : 0)) {
                    throw new StoreException(remaining.size() + " range(s) of " + dataset + " v" + version
                            + " kept failing their chunk ids after " + round + " fetches; giving up");
                }
                if (round > 0) {
                    LOG.warn("{} v{}: {} range(s) failed verification, were cut off with a connection or "
                            + "were refused as a group; fetching them again, one file per request", dataset, version, remaining.size());
                }
                List<DeltaClient> open = new ArrayList<>();
                for (DeltaClient c : pool) {
                    if (c == client || (c.isOpen() && !shunned.contains(c))) {
                        open.add(c);
                    }
                }
                // A refetch goes without references: a changed local copy may be why a range failed.
                remaining = fetchRound(dataset, version, b, remaining, writers, accepted, round == 0 ? base : null,
                        open, shunned, round == 0);
            }
        } finally {
            // Writes already handed over finish before the lock is released; none starts after.
            writers.shutdown();
            try {
                if (!writers.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    writers.shutdownNow();
                }
            } catch (InterruptedException e) {
                writers.shutdownNow();
                Thread.currentThread().interrupt();
            }
            for (DeltaClient c : pool.subList(1, pool.size())) {
                c.close();
                extraIn.addAndGet(c.wireBytesReceived());
                extraOut.addAndGet(c.wireBytesSent());
            }
        }
        return accepted.get();
    }

    /** The GET_RANGES requests {@code ranges} go in: by file, in order, at most {@link #RANGES_PER_REQUEST} each. */
    static List<List<FetchRange>> requestBatches(List<FetchRange> ranges) {
        Map<String, List<FetchRange>> byFile = new LinkedHashMap<>();
        for (FetchRange r : ranges) {
            byFile.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r);
        }
        List<List<FetchRange>> out = new ArrayList<>();
        for (List<FetchRange> rs : byFile.values()) {
            for (int from = 0; from < rs.size(); from += RANGES_PER_REQUEST) {
                out.add(rs.subList(from, Math.min(rs.size(), from + RANGES_PER_REQUEST)));
            }
        }
        return out;
    }

    /** How many connections beyond the first a fetch of {@code ranges} is worth (one per request at most). */
    private int moreConnections(List<FetchRange> ranges) {
        if (connections <= 1 || opener == null) {
            return 0;
        }
        long bytes = 0;
        for (FetchRange r : ranges) {
            bytes += r.length();
        }
        int requests = requestBatches(ranges).size();
        if (requests < 2 || (requests < REQUESTS_FOR_MORE_CONNECTIONS && bytes < BYTES_FOR_MORE_CONNECTIONS)) {
            return 0;
        }
        return Math.min(connections, requests) - 1;
    }

    /** Waits, a bounded time, for every future to complete one way or the other. */
    private static void settle(List<CompletableFuture<?>> futures) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        for (CompletableFuture<?> f : futures) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                // settled
            } catch (java.util.concurrent.TimeoutException e) {
                return; // the caller closes the connections, which fails what is left
            }
        }
    }

    /** Completes when every future has, or at the first failure (with it). */
    static CompletableFuture<Void> allOrFirstFailure(List<CompletableFuture<?>> futures) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(futures.size());
        if (futures.isEmpty()) {
            all.complete(null);
        }
        for (CompletableFuture<?> f : futures) {
            f.whenComplete((v, error) -> {
                if (error != null) {
                    all.completeExceptionally(error instanceof java.util.concurrent.CompletionException c
                            && c.getCause() != null ? c.getCause() : error);
                } else if (left.decrementAndGet() == 0) {
                    all.complete(null);
                }
            });
        }
        return all;
    }

    /** Whole files fetched with one GET_FILES: their positions in the manifest, their ranges, their bytes. */
    record Group(int[] files, List<FetchRange> ranges, long bytes) {
    }

    /**
     * The groups of small files ({@link FileGroups}) of {@code target} whose every file is among
     * {@code ranges} as one whole-file range and new to this node (no file at its path in
     * {@code base}, the release the sync starts from): those go a group per request, the block the
     * origin compressed once for the group. A file the base holds an older copy of goes by itself,
     * with that copy as its reference (a one-line edit is then a patch of a few bytes, not a
     * share of a group). None when a connection of {@code pool} cannot ask for files (an upstream
     * of protocol version 2), or too few files are wanted whole.
     */
    static List<Group> groups(Manifest target, Manifest base, List<FetchRange> ranges, List<DeltaClient> pool) {
        for (DeltaClient c : pool) {
            if (c.protocolVersion() < ProtocolVersion.FILE_GROUPS) {
                return List.of();
            }
        }
        Map<String, FetchRange> whole = new java.util.HashMap<>();
        for (FetchRange r : ranges) {
            if (r.offset() == 0 && r.length() <= FileGroups.MAX_FILE) {
                Entry old = base == null ? null : base.get(r.path());
                if (old == null || !old.isFile()) { // a file the base holds goes with its reference
                    whole.put(r.path(), r);
                }
            }
        }
        if (whole.size() < 2) {
            return List.of();
        }
        List<Group> out = new ArrayList<>();
        List<Entry> entries = target.entries();
        for (int[] g : FileGroups.of(target)) {
            List<FetchRange> rs = new ArrayList<>(g.length);
            long bytes = 0;
            for (int f : g) {
                Entry e = entries.get(f);
                FetchRange r = whole.get(e.path());
                if (r == null || r.length() != e.size()) {
                    rs = null;
                    break;
                }
                rs.add(r);
                bytes += r.length();
            }
            if (rs != null) {
                out.add(new Group(g, rs, bytes));
            }
        }
        return out;
    }

    /**
     * The writes of a round handed to the writers and not finished yet: a count, not a future per
     * range (a cold copy of the spec tree hands over 80,000, and their futures lived, and were
     * copied by the collector, until the round ended).
     */
    static final class WritesInFlight {
        private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
        private final Object lock = new Object();
        /** The first write that failed with an unchecked exception or an error. */
        private final AtomicReference<Throwable> unexpected = new AtomicReference<>();

        /** A write is about to be handed over. */
        void begin() {
            pending.incrementAndGet();
        }

        /** A write ended, with {@code failure} if it threw something unexpected (null if not). */
        void end(Throwable failure) {
            if (failure != null) {
                unexpected.compareAndSet(null, failure);
            }
            if (pending.decrementAndGet() == 0) {
                synchronized (lock) { // the waiter checks the count under the lock: no wake-up lost
                    lock.notifyAll();
                }
            }
        }

        /**
         * Waits (an interrupt is kept for later, as a join would) until every write handed over has
         * ended; then throws the first unexpected failure, wrapped as a join throws it.
         */
        void await() {
            boolean interrupted = false;
            synchronized (lock) {
                while (pending.get() > 0) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = unexpected.get();
            if (t != null) {
                throw new java.util.concurrent.CompletionException(t);
            }
        }
    }

    /** A range's full buffer, and whether it holds permits of the budget. */
    private record Filled(FetchRange range, ByteBuffer data, boolean holds) {
    }

    /** What the receivers of one fetch round share. */
    private record Receivers(ReleaseBuilder b, ExecutorService writers, AtomicLong accepted, List<FetchRange> failed,
                             AtomicReference<IOException> writeError, Semaphore buffers,
                             SpareBuffers spare, WritesInFlight writes,
                             java.util.concurrent.atomic.AtomicBoolean abort,
                             java.util.concurrent.atomic.AtomicInteger partialKib) {
    }

    /**
     * Takes {@code permits} for a range buffer that is about to be filled, waiting while the
     * writers hold the budget; returns false, having taken nothing, when waiting cannot help:
     * the buffers still being filled ({@code partialKib}) hold so much of it that what the writers
     * give back would never be enough, and only this thread, by reading on, can fill them. The
     * upstream interleaves its answers to the requests in flight, so 48 requests for 1 MiB ranges
     * (a cold copy of 40 files of 1 MiB) held 32 half-filled buffers, the whole budget, and the I/O
     * thread waited forever for permits only its own reading could free. The buffer is then
     * taken beyond the budget: at most one per request in flight.
     */
    private static boolean acquireOrOverdraw(Receivers rx, int permits) throws InterruptedException, IOException {
        while (!rx.buffers().tryAcquire(permits, 50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (rx.abort().get()) {
                throw new IOException("fetch abandoned");
            }
            if (BUFFERED_KIB - rx.partialKib().get() < permits) {
                return false;
            }
        }
        return true;
    }

    /**
     * Receives one request's ranges: fills a buffer per range and hands each full one to a writer
     * (which checks its chunk ids and writes it into staging).
     */
    private final class Receiver {
        private final Receivers rx;
        private final List<FetchRange> batch;
        private final java.util.BitSet handed; // ranges given to a writer
        private ByteBuffer current;
        /** Whether {@link #current} holds permits of the budget (else it was taken beyond it). */
        private boolean currentHolds;
        /** For a GET_FILES: the range the stream is in, and where that range starts in the stream. */
        private int streamIndex;
        private long streamStart;
        /** Full buffers of the piece being received, handed to a writer together at its end (I/O thread only). */
        private final List<Filled> ready = new ArrayList<>();

        Receiver(Receivers rx, List<FetchRange> batch) {
            this.rx = rx;
            this.batch = batch;
            this.handed = new java.util.BitSet(batch.size());
        }

        /** Bytes of a GET_FILES: the files' contents one after the other, split here by range. */
        void onStream(long offset, ByteBuffer data) throws InterruptedException, IOException {
            try {
                while (data.hasRemaining()) {
                    while (offset >= streamStart + batch.get(streamIndex).length()) {
                        streamStart += batch.get(streamIndex++).length();
                    }
                    int n = (int) Math.min(data.remaining(), streamStart + batch.get(streamIndex).length() - offset);
                    ByteBuffer part = data.duplicate();
                    part.limit(part.position() + n);
                    fill(streamIndex, part);
                    data.position(data.position() + n);
                    offset += n;
                }
            } finally {
                handOver();
            }
        }

        /** Bytes of range {@code index}, in order. */
        void onData(int index, ByteBuffer data) throws InterruptedException, IOException {
            try {
                fill(index, data);
            } finally {
                handOver();
            }
        }

        /** Puts bytes of range {@code index} in its buffer; a full buffer waits in {@link #ready}. */
        private void fill(int index, ByteBuffer data) throws InterruptedException, IOException {
            FetchRange r = batch.get(index);
            ByteBuffer buf = current;
            if (buf == null) {
                buf = rx.spare().take((int) r.length());
                int kib = kib(buf);
                // back-pressure: the connection waits while writers catch up (never on itself, nor
                // on the full buffers it has not handed over yet: those go first)
                boolean holds = rx.buffers().tryAcquire(kib);
                if (!holds) {
                    handOver();
                    holds = acquireOrOverdraw(rx, kib);
                }
                if (holds) {
                    rx.partialKib().addAndGet(kib);
                }
                synchronized (handed) {
                    current = buf;
                    currentHolds = holds;
                }
            }
            buf.put(data);
            if (buf.hasRemaining()) {
                return;
            }
            boolean holds;
            synchronized (handed) {
                holds = currentHolds;
                current = null;
                handed.set(index);
            }
            if (holds) {
                rx.partialKib().addAndGet(-kib(buf));
            }
            ready.add(new Filled(r, buf.flip(), holds));
        }

        /**
         * Hands the full buffers of {@link #ready} to a writer, as one task: the files of a group
         * block arrive a dozen at a time, and a task per file woke a parked writer (a futex call
         * and a switch of threads) 80,000 times in a cold copy of the spec tree.
         */
        private void handOver() {
            if (ready.isEmpty()) {
                return;
            }
            Filled[] writes = ready.toArray(new Filled[0]);
            ready.clear();
            handOvers.incrementAndGet();
            rx.writes().begin();
            try {
                rx.writers().execute(() -> {
                    Throwable unexpected = null;
                    try {
                        for (Filled w : writes) {
                            unexpected = write(w, unexpected);
                        }
                    } finally {
                        rx.writes().end(unexpected);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException ex) {
                for (Filled w : writes) {
                    if (w.holds()) {
                        rx.buffers().release(kib(w.data()));
                    }
                }
                rx.writes().end(null);
                throw ex;
            }
        }

        /** Writes one full range; returns {@code unexpected}, or this write's unchecked failure if that is null. */
        private Throwable write(Filled w, Throwable unexpected) {
            try {
                rx.b().accept(w.range(), w.data());
                progress.accept(rx.accepted().addAndGet(w.range().length()));
            } catch (ChunkMismatchException ex) {
                rx.failed().add(w.range());
            } catch (IOException ex) {
                rx.writeError().compareAndSet(null, ex);
            } catch (RuntimeException | Error ex) {
                if (unexpected == null) {
                    unexpected = ex;
                }
            } finally {
                rx.spare().give(w.data());
                if (w.holds()) {
                    rx.buffers().release(kib(w.data()));
                }
            }
            return unexpected;
        }

        /**
         * The request's future, failing as it did, except that the unfinished ranges go back for
         * the next round (file by file, over the connections still in use) when an extra connection
         * failed (lost, or it reached a node that cannot serve this version) or a group's request
         * was refused (an upstream that serves no files by position, say).
         */
        CompletableFuture<?> settle(CompletableFuture<?> request, boolean primary, java.util.Set<DeltaClient> shunned,
                                    DeltaClient via, boolean group) {
            return request.handle((ok, error) -> {
                if (error == null) {
                    return ok;
                }
                synchronized (handed) {
                    if (current != null) { // a range cut off halfway holds a buffer
                        if (currentHolds) {
                            rx.partialKib().addAndGet(-kib(current));
                            rx.buffers().release(kib(current));
                        }
                        current = null;
                    }
                    Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause() : error;
                    boolean refused = group && cause instanceof DeltaException d
                            && (d.kind() == dev.delta.protocol.client.ErrorKind.REMOTE_ERROR
                            || d.kind() == dev.delta.protocol.client.ErrorKind.LIMIT_EXCEEDED);
                    if ((refused || !primary) && !rx.abort().get()) {
                        if (refused) {
                            LOG.debug("a group of {} files was refused ({}); they go one by one", batch.size(),
                                    cause.getMessage());
                        } else {
                            shunned.add(via);
                        }
                        for (int i = handed.nextClearBit(0); i < batch.size(); i = handed.nextClearBit(i + 1)) {
                            rx.failed().add(batch.get(i));
                        }
                        return null;
                    }
                }
                throw error instanceof java.util.concurrent.CompletionException c ? c
                        : new java.util.concurrent.CompletionException(error);
            });
        }
    }

    /** Smallest range buffer: most ranges of an edit are a few chunks. */
    static final int MIN_RANGE_BUFFER = 16 * 1024;
    /**
     * Range buffers held for the writers at most, in KiB: 8 MiB (a range is at most
     * {@link #MAX_RANGE_BYTES}). With 32 MiB here and 32 MiB of spares, a cold copy of the spec
     * tree (80,000 files, 1 GB) kept ~125 MB live in its 256 MB heap, and G1 ran concurrent cycles
     * and mixed collections all through the fetch. Alternating cold one-shot syncs (session 28):
     * 8 MiB and 8 MiB of spares 6.2-6.4 s (one 7.2 s) against 6.4-7.6 s at 32 and 32, 4 MiB no
     * faster; 8 and 16 of spares ahead of 8 and 8 in three pairs out of three.
     */
    static final int BUFFERED_KIB = 8 * 1024;
    /**
     * Written range buffers kept for reuse at most, in KiB: 16 MiB, twice what is in flight, so
     * that ranges of mixed sizes (a tree's files of 16 KiB to 1 MiB) still find one of their size.
     */
    static final int SPARE_KIB = 16 * 1024;

    /** The KiB a range buffer counts against {@link #BUFFERED_KIB}. */
    static int kib(ByteBuffer b) {
        return Math.max(1, (b.capacity() + 1023) >> 10);
    }

    /**
     * Range buffers written and free for the next ranges of a round, by size class, holding at most
     * a budget of KiB between them: a buffer given back past it is freed, as are the spares when
     * the round ends ({@link #close}).
     *
     * <p>Direct buffers (since session 33): on the heap, the spares and the ranges in flight (up to
     * 24 MiB, reused all through a fetch) were live at every young collection of a cold copy and
     * copied from survivor space to survivor space each time; the pwrite of a heap buffer also
     * went through a temporary direct copy. Replays of a following edge's cold copy of the spec
     * tree: pauses 313-324 ms in 11 collections against 389-480 ms in 12, walls 4.9-5.4 s against
     * 5.9-6.7 s, three alternating pairs. Their memory is freed explicitly ({@link DirectBuffers}),
     * never left for a collection of the old generation to find. On the heap as before in a JVM
     * whose chunk hashing cannot read direct memory (started without the launcher's
     * {@code --add-exports java.base/sun.nio.ch}).
     * (Unbounded, the spare buffers grew without limit when many small ranges came first — 2,048
     * buffers of 16 KiB fit the writers' budget — and then a big file's 1 MiB ranges each dropped
     * a small one and added a big one: 1.8 GB of buffers for a 256 MB heap. With one queue for all
     * sizes, a range found the next spare too small about as often as not: a cold edge's small
     * files, each its own range, allocated ~240 MB of new buffers for a 1 GB tree.)
     */
    static final class SpareBuffers {
        private static final int MIN_LOG = Integer.numberOfTrailingZeros(MIN_RANGE_BUFFER);
        /** Size classes: 2^k and 1.5 * 2^k bytes, from {@link #MIN_RANGE_BUFFER} up to 1 GiB. */
        private static final int CLASSES = 2 * (30 - MIN_LOG) + 1;
        private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer>[] queues;
        private final java.util.concurrent.atomic.AtomicInteger kib = new java.util.concurrent.atomic.AtomicInteger();
        private final int budgetKib;
        private volatile boolean closed;
        /** Direct where chunk ids can be hashed from direct memory in this JVM (see {@link ChunkId#hashesDirectBuffers}). */
        static final boolean DIRECT = ChunkId.hashesDirectBuffers();

        @SuppressWarnings("unchecked")
        SpareBuffers(int budgetKib) {
            this.budgetKib = budgetKib;
            this.queues = new java.util.concurrent.ConcurrentLinkedQueue[CLASSES];
            for (int i = 0; i < CLASSES; i++) {
                queues[i] = new java.util.concurrent.ConcurrentLinkedQueue<>();
            }
        }

        /**
         * The capacity a buffer for {@code length} bytes gets: the smallest size class holding it
         * (less than half again what was asked), or exactly {@code length} past 1 GiB.
         */
        static int capacityFor(int length) {
            int n = Math.max(length, MIN_RANGE_BUFFER);
            if (n > 1 << 30) {
                return n;
            }
            int p = Integer.highestOneBit(n);
            return n == p ? p : n <= p + (p >> 1) ? p + (p >> 1) : p << 1;
        }

        /** The class of a buffer of {@code capacity} bytes, or -1 for a size that is no class. */
        static int classOf(int capacity) {
            if (capacity < MIN_RANGE_BUFFER || capacity > 1 << 30 || capacityFor(capacity) != capacity) {
                return -1;
            }
            int log = 31 - Integer.numberOfLeadingZeros(capacity);
            return 2 * (log - MIN_LOG) + (Integer.bitCount(capacity) == 1 ? 0 : 1);
        }

        /**
         * A buffer of exactly {@code length} bytes (position 0, limit {@code length}): a spare one
         * of its size class if there is one, else a new one.
         */
        ByteBuffer take(int length) {
            int capacity = capacityFor(length);
            int c = classOf(capacity);
            ByteBuffer b = c < 0 ? null : queues[c].poll();
            if (b != null) {
                kib.addAndGet(-Syncer.kib(b));
            } else {
                b = DIRECT ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
            }
            return b.clear().limit(length);
        }

        /**
         * Keeps a written range's buffer for the next ranges of its size, if the spare ones stay
         * within the budget: spares of other sizes are dropped first to make room (the ranges of a
         * round change size as it goes, small files first and big files' ranges last, say), and
         * failing that, this one is.
         */
        void give(ByteBuffer b) {
            int c = classOf(b.capacity());
            if (c < 0 || closed) {
                DirectBuffers.free(b);
                return;
            }
            int k = Syncer.kib(b);
            for (int other = 0; other < CLASSES && kib.get() + k > budgetKib; other++) {
                ByteBuffer drop;
                while (other != c && kib.get() + k > budgetKib && (drop = queues[other].poll()) != null) {
                    kib.addAndGet(-Syncer.kib(drop));
                    DirectBuffers.free(drop);
                }
            }
            if (kib.addAndGet(k) <= budgetKib) {
                queues[c].add(b);
                if (closed) { // closed meanwhile: close() may have drained the queue before this one went in
                    drain();
                }
            } else {
                kib.addAndGet(-k);
                DirectBuffers.free(b);
            }
        }

        /**
         * Frees the spare buffers, and from now on every buffer given back. Buffers in use stay
         * theirs to give back; a range cut off halfway leaves its buffer to the collector.
         */
        void close() {
            closed = true;
            drain();
        }

        private void drain() {
            for (java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> q : queues) {
                ByteBuffer b;
                while ((b = q.poll()) != null) {
                    kib.addAndGet(-Syncer.kib(b));
                    DirectBuffers.free(b);
                }
            }
        }

        /** KiB of the spare buffers held. */
        int kib() {
            return kib.get();
        }
    }

    private List<FetchRange> fetchRound(String dataset, long version, ReleaseBuilder b, List<FetchRange> remaining,
                                        ExecutorService writers, AtomicLong accepted, Base base,
                                        List<DeltaClient> pool, java.util.Set<DeltaClient> shunned, boolean grouped)
            throws IOException, DeltaException {
        List<FetchRange> failed = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<IOException> writeError = new AtomicReference<>();
        // Ranges held for a writer, counted by their buffers' KiB: at most 8 MiB of them. (A count of
        // 32 ranges held as little as a few hundred KiB of a big file's edits, and the connection
        // stopped reading whenever the writers stalled a moment on the disk.)
        Semaphore buffers = new Semaphore(BUFFERED_KIB);
        // A range's buffer goes back here once written: a big file's sync has thousands of ranges,
        // and a new array for each cost the connection's I/O thread more than its bytes did.
        SpareBuffers spare = new SpareBuffers(SPARE_KIB);
        try {
            List<CompletableFuture<?>> requests = new ArrayList<>();
            WritesInFlight writes = new WritesInFlight();
            java.util.concurrent.atomic.AtomicBoolean abort = new java.util.concurrent.atomic.AtomicBoolean();
            // Whole small files that make up whole groups go a group per request (first round only: a
            // refetch isolates the files that failed), on connections that speak GET_FILES.
            List<Group> groups = grouped ? groups(b.target(), base == null ? null : base.manifest(), remaining, pool)
                    : List.of();
            if (!groups.isEmpty()) {
                java.util.Set<FetchRange> inGroups = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                for (Group g : groups) {
                    inGroups.addAll(g.ranges());
                }
                List<FetchRange> rest = new ArrayList<>(remaining.size() - inGroups.size());
                for (FetchRange r : remaining) {
                    if (!inGroups.contains(r)) {
                        rest.add(r);
                    }
                }
                remaining = rest;
            }
            if (grouped) {
                lastGroups = groups.size();
            }
            Receivers rx = new Receivers(b, writers, accepted, failed, writeError, buffers, spare, writes, abort,
                    new java.util.concurrent.atomic.AtomicInteger());
            for (Group g : groups) {
                DeltaClient via = pool.get(requests.size() % pool.size());
                Receiver recv = new Receiver(rx, g.ranges());
                requests.add(recv.settle(via.fetchFiles(dataset, version, g.files(), g.bytes(),
                        (index, offset, data) -> recv.onStream(offset, data)), via == client, shunned, via, true));
            }
            // A file fetched whole in several requests gets them one after the other: sent together, the
            // upstream interleaves them, its ranges land out of order, and the whole file is read back
            // from staging to be hashed (1 GB for a 1 GiB file). A file fetched in pieces (an update)
            // keeps its requests in flight together.
            Map<String, long[]> fetchedBytes = new java.util.HashMap<>();
            for (FetchRange r : remaining) {
                fetchedBytes.computeIfAbsent(r.path(), k -> new long[1])[0] += r.length();
            }
            Map<String, CompletableFuture<?>> lastOfFile = new java.util.HashMap<>();
            for (List<FetchRange> batch : requestBatches(remaining)) {
                String path = batch.get(0).path();
                List<ByteRange> wire = new ArrayList<>(batch.size());
                for (FetchRange r : batch) {
                    wire.add(new ByteRange(r.offset(), r.length()));
                }
                RangeReference ref = reference(base, b.planned(path), path, batch); // no index of the whole target
                DeltaClient via = pool.get(requests.size() % pool.size()); // requests spread evenly
                Receiver recv = new Receiver(rx, batch);
                java.util.function.Supplier<CompletableFuture<?>> send = () -> recv.settle(via.fetchRanges(dataset,
                        version, path, wire, ref,
                        ref == null ? null : new FileReferenceReader(base.dir(), path, referenceReads),
                        (index, offset, data) -> recv.onData(index, data)), via == client, shunned, via, false);
                CompletableFuture<?> before = lastOfFile.get(path);
                Entry e = b.planned(path);
                boolean whole = e != null && fetchedBytes.get(path)[0] == e.size();
                CompletableFuture<?> request = before == null || !whole ? send.get()
                        : before.handle((ok, error) -> null).thenCompose(x -> rx.abort().get()
                                ? CompletableFuture.failedFuture(new IOException("fetch abandoned")) : send.get());
                lastOfFile.put(path, request);
                requests.add(request);
            }
            try {
                DeltaClient.await(allOrFirstFailure(requests)); // one wake-up per round, not one per request
            } catch (DeltaException | RuntimeException ex) {
                // Stop every other request of the round (a handler waiting for a buffer gives up), and let
                // them settle before the caller closes connections and releases the dataset lock.
                abort.set(true);
                settle(requests);
                throw ex;
            }
            writes.await();
            if (writeError.get() != null) {
                throw writeError.get();
            }
            return new ArrayList<>(failed);
        } finally {
            spare.close(); // writers still at work on a failure give theirs back to be freed
        }
    }
}
