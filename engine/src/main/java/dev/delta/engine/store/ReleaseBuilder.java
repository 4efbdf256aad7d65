package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.EntryType;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.plan.Segment;
import dev.delta.engine.plan.ZeroChunks;
import net.openhft.hashing.LongTupleHashFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Builds one release of a dataset in its staging directory from a {@link RangePlan}, then
 * commits it: verify, write the manifest, rename staging into {@code releases/}, switch
 * {@code current}.
 *
 * <p>Lifecycle, with the dataset lock held throughout: {@link #start}, {@link #prepareLocal()}
 * (directories, hard links for unchanged files, local copies, and a resume check of whatever a
 * previous attempt left in staging), then {@link #accept} for each of {@link #pending()}'s ranges
 * as the bytes arrive (in any order, from any thread), then {@link #commit}. Every chunk is checked
 * against its id before it is written, every assembled file against its SHA-256 before commit.
 *
 * <p>Crash safety: staging is named after the target's version and root digest and survives a
 * crash; on restart the chunks already written are verified in place and only the missing ones
 * are pending again. Nothing is visible in {@code releases/} or {@code current} before commit.
 *
 * <p>Path safety: the target must pass {@link TreeCheck} (every parent is a directory entry),
 * directories are created by the builder, and symlinks only after every file is written, so no
 * write can follow a link the manifest created.
 */
public final class ReleaseBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseBuilder.class);
    private static final LongTupleHashFunction XX128 = LongTupleHashFunction.xx128();
    /**
     * A file this big is fetched as several ranges (tests use it for a file hashed progressively),
     * and the hashing of its local copies goes to another thread.
     */
    static final long PROGRESSIVE_MIN_BYTES = 4L << 20;

    private final DatasetStore store;
    private final Manifest target;
    private final byte[] encoded;
    private final byte[] rootDigest;
    private final Manifest current;
    private final Path staging;
    private final RangePlan plan;
    private final Map<String, FilePlan> filePlans = new HashMap<>();
    private final List<FetchRange> pending = new ArrayList<>();
    /**
     * Entries (by index in the target's canonical order) that are hard links to the current
     * release's verified, immutable files.
     */
    private final BitSet linked = new BitSet();
    /**
     * Directories (by index in the target's canonical order) that a {@link ReleaseMirror} made with
     * their final mode and mtime and that nothing in this build touches: commit leaves them be.
     */
    private final BitSet settled = new BitSet();
    /** Entries whose writer set their mode and time as it wrote the whole file ({@link #accept}); guarded by this. */
    private final BitSet metadataSet = new BitSet();
    /** Fetched bytes still missing per file verified on completion; see {@link #trackCompletion()}. */
    private final Map<String, Tracked> remaining =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The pending ranges when the build started fetching; each {@link Tracked} file's are a stretch of it. */
    private volatile List<FetchRange> trackedRanges = List.of();
    /** Files already checked against their SHA-256 (when their last range arrived). */
    private final Set<String> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Bytes of fetched files read back from staging to hash them (the rest was hashed in memory). */
    private final java.util.concurrent.atomic.LongAdder reread = new java.util.concurrent.atomic.LongAdder();

    /**
     * Big files made anew whose LOCAL segments {@link #prepareLocal(boolean)} left for
     * {@link #startLocalCopies()}: copied while their ranges are on the wire.
     */
    private final List<FilePlan> deferred = java.util.Collections.synchronizedList(new ArrayList<>());
    private boolean deferCopies;
    /** {@link #startLocalCopies()}'s threads: two when there are many files to copy, else one. */
    private final List<Thread> copiers = new ArrayList<>(COPIERS);
    static final int COPIERS = 2;
    /** Deferred files from which a second copier pays for its start. */
    static final int FILES_FOR_TWO_COPIERS = 64;
    private volatile IOException copyFailure;
    private volatile boolean stopCopies;
    private volatile long copyNanos;
    private final java.util.concurrent.atomic.AtomicLong copiedAlongside = new java.util.concurrent.atomic.AtomicLong();

    private final long maxRangeBytes;
    /**
     * A first build's directories, made on a thread of their own while {@link #start} plans and,
     * when {@link #prepareLocal} needs none of them ({@link #prepareFreshAhead}), on while the ranges
     * are on the wire; null once joined, or when the build is not a first one.
     */
    private volatile FreshDirectories freshDirectories;
    /** Files {@link #prepareFreshAhead} left to make once the directories are in: empty, or with holes or duplicates. */
    private List<FilePlan> shells = List.of(); // guarded by shellsLock
    private final Object shellsLock = new Object();
    /** Whether the last {@link #prepareLocal} listed the ranges with the directories still being made. */
    private boolean preparedAhead;
    private long bytesResumed;
    private volatile long bytesAccepted;

    private ReleaseBuilder(DatasetStore store, Manifest target, byte[] encoded, byte[] rootDigest, Manifest current,
                           Path staging, RangePlan plan, long maxRangeBytes) {
        this.store = store;
        this.target = target;
        this.encoded = encoded;
        this.rootDigest = rootDigest.clone();
        this.current = current;
        this.staging = staging;
        this.plan = plan;
        this.maxRangeBytes = maxRangeBytes;
        for (FilePlan f : plan.files()) {
            filePlans.put(f.path(), f);
        }
    }

    /**
     * Plans the build of {@code target} against the node's current release and every retained
     * one. The caller holds {@link DatasetStore#lock()}.
     *
     * @param encoded the target's canonical encoding (stored as its manifest at commit)
     */
    public static ReleaseBuilder start(DatasetStore store, Manifest target, byte[] encoded) throws IOException {
        return start(store, target, encoded, RangePlanner.DEFAULT_MAX_RANGE_BYTES);
    }

    public static ReleaseBuilder start(DatasetStore store, Manifest target, byte[] encoded, long maxRangeBytes)
            throws IOException {
        OptionalLong cur = store.current();
        Manifest current = cur.isPresent() ? store.manifest(cur.getAsLong()) : null;
        return start(store, target, encoded, Sha256.of(encoded), current, maxRangeBytes);
    }

    /**
     * Same, for a caller that already holds the target's root digest (SHA-256 of {@code encoded})
     * and the decoded manifest of the release {@code current} points at (null when there is none):
     * neither is computed or read again.
     */
    public static ReleaseBuilder start(DatasetStore store, Manifest target, byte[] encoded, byte[] rootDigest,
                                       Manifest current, long maxRangeBytes) throws IOException {
        return start(store, target, encoded, rootDigest, current, maxRangeBytes, v -> null);
    }

    /**
     * Same, taking the decoded manifests of other retained releases from {@code retained} where it
     * has them (null: read and decode it), for a node that keeps them between syncs.
     */
    public static ReleaseBuilder start(DatasetStore store, Manifest target, byte[] encoded, byte[] rootDigest,
                                       Manifest current, long maxRangeBytes,
                                       java.util.function.LongFunction<Manifest> retained) throws IOException {
        return start(store, target, encoded, rootDigest, current, maxRangeBytes, retained, null);
    }

    /**
     * Same, planning against {@code localIndex} when given: a {@link DatasetStore#chunkIndex} of
     * exactly the releases retained now, built ahead while the node was idle (for a tree of 50,000
     * files, indexing two releases took 120-180 ms of each update). Null: built here.
     */
    public static ReleaseBuilder start(DatasetStore store, Manifest target, byte[] encoded, byte[] rootDigest,
                                       Manifest current, long maxRangeBytes,
                                       java.util.function.LongFunction<Manifest> retained, ChunkIndex localIndex)
            throws IOException {
        OptionalLong cur = store.current();
        if (cur.isPresent() != (current != null) || (current != null && (cur.getAsLong() != current.version()
                || !current.dataset().equals(store.dataset())))) {
            throw new IllegalArgumentException("the given current manifest is not the one current points at");
        }
        if (!target.dataset().equals(store.dataset())) {
            throw new StoreException("manifest is for dataset " + target.dataset() + ", not " + store.dataset());
        }
        TreeCheck.requireClosedTree(target);
        if (store.removeLeftoverRelease(target.version())) {
            LOG.warn("{}: removed {}, a directory with no manifest (a prune cut short?), to build v{} there",
                    store.dataset(), store.releaseDir(target.version()), target.version());
        }
        if (Files.exists(store.releaseDir(target.version()), LinkOption.NOFOLLOW_LINKS)) {
            byte[] have = store.manifestBytes(target.version());
            if (!Arrays.equals(have, encoded)) {
                throw new StoreException(store.dataset() + " v" + target.version()
                        + " already exists here with different content; refusing to replace a committed release"
                        + " (the upstream is not the origin this data directory was synced from, or it was rebuilt"
                        + " and numbers its versions again: sync into a new data directory)");
            }
        }
        String digest = Sha256.hex(rootDigest).substring(0, 16);
        Path staging = store.stagingRoot().resolve("v" + target.version() + "-" + digest);
        removeOtherStaging(store, staging);
        // A first build (nothing current, nothing staged or committed yet) makes its directories
        // while the plan is made, and on while the ranges arrive: tens of thousands of mkdirs, one
        // after the other, on a core the plan leaves free. prepareLocal(), the writes and the commit
        // wait for what they need of them (see FreshDirectories). Not when the umask keeps the owner
        // from writing in staging: prepareLocal() treats that as a staging to resume.
        FreshDirectories dirs = null;
        if (current == null && !Files.exists(staging, LinkOption.NOFOLLOW_LINKS)
                && !Files.exists(store.releaseDir(target.version()), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(staging);
            if ((modeOf(staging) & 0700) == 0700) {
                dirs = new FreshDirectories(staging, target);
            }
        }
        RangePlan plan;
        try {
            ChunkIndex ci = localIndex != null ? localIndex : store.chunkIndex(current, retained);
            plan = new RangePlanner(maxRangeBytes).plan(current, ci, target);
        } catch (RuntimeException | Error | IOException e) {
            if (dirs != null) {
                try {
                    dirs.await(); // nothing goes on in staging once the caller lets go of the lock
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        ReleaseBuilder b = new ReleaseBuilder(store, target, encoded, rootDigest, current, staging, plan, maxRangeBytes);
        b.freshDirectories = dirs;
        return b;
    }

    /** Makes every directory of {@code target} in an empty {@code staging}, each parent before its children. */
    private static void makeDirectories(Path staging, Manifest target) throws IOException {
        for (Entry e : target.entries()) { // canonical order
            if (e.isDir()) {
                Files.createDirectory(staging.resolve(e.path()));
            }
        }
    }

    /**
     * A first build's directories, made in canonical order (every parent before its children) on a
     * thread of its own. Whoever writes a file waits only until the directories listed before its
     * entry are made ({@link #awaitThrough}): a cold copy's writers follow the thread down the tree
     * instead of waiting for all of it (20,201 {@code mkdir}s for the spec tree: 0.4-0.7 s on a
     * two-core machine, the plan's and the JIT's threads running beside it).
     */
    static final class FreshDirectories {
        /** For tests: called on the thread before each directory is made, with its path. */
        static volatile java.util.function.Consumer<String> beforeDirectory;
        private final Thread thread;
        private final Object lock = new Object();
        /** Entries {@code [0, through)} have their directories made; written under {@link #lock}. */
        private volatile int through;
        private boolean done; // guarded by lock
        private Throwable failure; // guarded by lock
        private int waiting; // guarded by lock

        FreshDirectories(Path staging, Manifest target) {
            thread = new Thread(() -> make(staging, target), "release-dirs");
            thread.setDaemon(true);
            thread.start();
        }

        private void make(Path staging, Manifest target) {
            List<Entry> entries = target.entries();
            Throwable failed = null;
            try {
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    if (e.isDir()) {
                        java.util.function.Consumer<String> pause = beforeDirectory;
                        if (pause != null) {
                            pause.accept(e.path());
                        }
                        Files.createDirectory(staging.resolve(e.path()));
                        synchronized (lock) {
                            through = i + 1;
                            if (waiting > 0) {
                                lock.notifyAll();
                            }
                        }
                    }
                }
            } catch (Throwable t) {
                failed = t;
            }
            synchronized (lock) {
                if (failed == null) {
                    through = Integer.MAX_VALUE;
                }
                failure = failed;
                done = true;
                lock.notifyAll();
            }
        }

        /**
         * Waits until every directory listed before entry {@code index} is made (so the parents of
         * that entry's path exist), or throws what made them fail; an interrupt ends the wait.
         */
        void awaitThrough(int index) throws IOException {
            if (through > index) {
                return;
            }
            synchronized (lock) {
                waiting++;
                try {
                    while (!done && through <= index) {
                        lock.wait();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted waiting for the release's directories");
                } finally {
                    waiting--;
                }
                if (through <= index) {
                    throw failure(failure);
                }
            }
        }

        /** Waits for the thread to end, whatever interrupts come meanwhile, and throws its failure. */
        void await() throws IOException {
            joinUninterruptibly(thread);
            synchronized (lock) {
                if (failure != null) {
                    throw failure(failure);
                }
            }
        }

        /** The thread's failure, to throw as it was (an unchecked one is thrown from here). */
        private static IOException failure(Throwable t) {
            if (t instanceof IOException io) {
                return io;
            }
            if (t instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("making the release's directories failed", t);
        }
    }

    private static void removeOtherStaging(DatasetStore store, Path keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.stagingRoot())) {
            for (Path p : ds) {
                if (!p.equals(keep)) {
                    DatasetStore.deleteTree(p); // a different version or content: it can't be resumed
                } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    // Our staging is a directory we made; a symlink (or file) by its name is not, and
                    // building through it would write the release wherever it points: removed, the
                    // link itself, not its target.
                    Files.delete(p);
                }
            }
        }
    }

    public Manifest target() {
        return target;
    }

    public RangePlan plan() {
        return plan;
    }

    /** The target's entry of {@code path} when the plan builds that file (its content changed), else null. */
    public Entry planned(String path) {
        FilePlan fp = filePlans.get(path);
        return fp == null ? null : fp.target();
    }

    /** Bytes found already written and verified in staging by a previous attempt. */
    public long bytesResumed() {
        return bytesResumed;
    }

    /** Bytes accepted through {@link #accept} so far. */
    public long bytesAccepted() {
        return bytesAccepted;
    }

    /** Ranges still to fetch, after {@link #prepareLocal()}. */
    public List<FetchRange> pending() {
        return List.copyOf(pending);
    }

    /** True when the target is already committed (nothing to build). */
    public boolean alreadyCommitted() {
        return Files.isDirectory(store.releaseDir(target.version()), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Creates directories, links unchanged files, copies changed metadata-only files and LOCAL
     * segments, and checks what a previous attempt left, so that {@link #pending()} lists exactly
     * the chunks still missing.
     */
    public void prepareLocal() throws IOException {
        prepareLocal(false);
    }

    /**
     * Same; with {@code deferCopies}, the LOCAL segments of a file made anew that is also fetched
     * (so hashed progressively) are not copied here, nor the file created, but by
     * {@link #startLocalCopies()}, while the ranges arrive: {@link #pending()} is the same either
     * way, and each such file is verified once its copies and its ranges are all in.
     */
    public void prepareLocal(boolean deferCopies) throws IOException {
        stopLocalCopies();
        copyFailure = null;
        copyNanos = 0;
        copiedAlongside.set(0);
        this.deferCopies = deferCopies;
        deferred.clear();
        pending.clear();
        linked.clear();
        settled.clear();
        synchronized (this) {
            metadataSet.clear();
        }
        remaining.clear();
        trackedRanges = List.of();
        verified.clear();
        if (preparedAhead) { // called again: what the first call listed may be in staging by now
            finishFresh();
            preparedAhead = false;
        } else if (freshDirectories != null) {
            if (prepareFreshAhead()) {
                preparedAhead = true;
                trackCompletion();
                return;
            }
            joinFreshDirectories();
            prepareFresh(false);
            trackCompletion();
            return;
        }
        if (alreadyCommitted()) {
            return;
        }
        if (current != null && !Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
            Path mirror = ReleaseMirror.take(store, current.version(), store.rootDigest(current.version()));
            if (mirror != null) {
                Files.move(mirror, staging, StandardCopyOption.ATOMIC_MOVE);
                prepareFromMirror();
                trackCompletion();
                return;
            }
        }
        // A staging directory made just now holds nothing to check: no stat per path, no leftovers
        // to remove (unless the umask keeps the owner from writing what it creates).
        boolean fresh = !Files.exists(staging, LinkOption.NOFOLLOW_LINKS);
        Files.createDirectories(staging);
        fresh &= (modeOf(staging) & 0700) == 0700;
        makeWritableDir(staging);
        if (fresh) {
            prepareFresh(true);
        } else {
            prepareResumed();
        }
        trackCompletion();
    }

    /**
     * For a first build whose directories are still being made: lists the ranges to fetch without
     * touching the disk, when no file needs anything written before its ranges (no local copy, no
     * big file a spare could become), and leaves the files to make empty or with holes to
     * {@link #finishFresh} (the commit, or the thread it starts ahead). False, having done
     * nothing, otherwise.
     */
    private boolean prepareFreshAhead() throws IOException {
        List<FilePlan> later = new ArrayList<>();
        List<FetchRange> out = new ArrayList<>();
        for (PathChange c : plan.diff().all()) { // canonical order, as prepareFresh lists them
            Entry e = c.newEntry();
            if (e == null || !e.isFile()) {
                continue;
            }
            FilePlan fp = filePlans.get(e.path());
            if (fp == null || e.size() >= ReleaseSpare.MIN_BYTES) {
                return false; // not built from the plan (nothing current: should not happen), or a spare's
            }
            boolean fetchedOnly = e.size() > 0;
            for (Segment x : fp.segments()) {
                if (x.kind() == Segment.Kind.LOCAL) {
                    return false;
                }
                if (x.kind() == Segment.Kind.FETCH) {
                    addMissing(e, x, null, out);
                } else {
                    fetchedOnly = false;
                }
            }
            if (!fetchedOnly) {
                later.add(fp);
            }
        }
        pending.addAll(out);
        synchronized (shellsLock) {
            shells = later;
        }
        return true;
    }

    /** Waits for a first build's directories (if they are still being made) and throws their failure. */
    private void joinFreshDirectories() throws IOException {
        FreshDirectories d = freshDirectories;
        if (d != null) {
            d.await();
            freshDirectories = null;
        }
    }

    /**
     * Once a first build's directories are made: makes the files {@link #prepareFreshAhead} left
     * (as {@link #assembleLocal} makes a fresh file: duplicates are filled at commit, zero runs
     * stay holes, a file ending in one gets its last byte). Idempotent.
     */
    private void finishFresh() throws IOException {
        synchronized (shellsLock) { // not this: writers take it for a moment per range meanwhile
            joinFreshDirectories();
            makeShells();
        }
    }

    private void makeShells() throws IOException {
        List<FilePlan> toMake = shells;
        shells = List.of();
        for (FilePlan fp : toMake) {
            Entry e = fp.target();
            try (FileChannel ch = FileChannel.open(staging.resolve(e.path()), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                List<Segment> segs = fp.segments();
                if (ch.size() < e.size() && !segs.isEmpty() && segs.get(segs.size() - 1).kind() == Segment.Kind.ZERO) {
                    ch.write(ByteBuffer.allocate(1), e.size() - 1);
                }
            }
        }
    }

    /**
     * Prepares a staging directory made just now: nothing in it to check or replace. Directories
     * are made first, in canonical order (every parent before its children), unless
     * {@code makeDirectories} is false ({@link #start} made them while planning); then the files
     * are linked, copied or assembled on several threads ({@link Batches}), since a release of many
     * unchanged files is one {@code link(2)} per file, bound by system calls rather than by bytes.
     */
    private void prepareFresh(boolean makeDirectories) throws IOException {
        if (makeDirectories) {
            makeDirectories(staging, target);
        }
        Path currentDir = current == null ? null : store.releaseDir(current.version());
        List<PathChange> files = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        int index = -1; // of e in target.entries(): the diff lists them in the same order
        for (PathChange c : plan.diff().all()) { // canonical order: every directory before its children
            Entry e = c.newEntry();
            if (e == null) {
                continue;
            }
            index++;
            if (e.isFile()) {
                files.add(c);
                indexes.add(index);
            }
        }
        int n = files.size();
        @SuppressWarnings("unchecked")
        List<FetchRange>[] missing = new List[n];
        boolean[] link = new boolean[n];
        Batches.run(n, () -> false, j -> {
            PathChange c = files.get(j);
            Entry e = c.newEntry();
            Path dst = staging.resolve(e.path());
            FilePlan fp = filePlans.get(e.path());
            if (fp != null) {
                missing[j] = assembleFresh(fp, dst);
            } else if (c.action() == ChangeAction.UNCHANGED) {
                Files.createLink(dst, currentDir.resolve(e.path())); // immutable releases share inodes
                link[j] = true;
            } else {
                copyForMetadata(currentDir.resolve(e.path()), dst, e); // new metadata only
            }
        });
        for (int j = 0; j < n; j++) { // results in canonical order, whatever thread made them
            if (link[j]) {
                linked.set(indexes.get(j));
            }
            if (missing[j] != null) {
                pending.addAll(missing[j]);
            }
        }
    }

    /**
     * Prepares a staging directory that was a {@link ReleaseMirror} of the current release: every
     * unchanged file is already linked and every unchanged directory made, so only the paths the
     * diff names are removed, created, copied or assembled.
     */
    private void prepareFromMirror() throws IOException {
        Path currentDir = store.releaseDir(current.version());
        List<PathChange> all = plan.diff().all();
        java.util.Set<String> touched = new java.util.HashSet<>(); // directories whose entries change
        for (PathChange c : all) { // the change's own fields only: no entry read for an unchanged path
            if (c.action() != ChangeAction.UNCHANGED || c.type() == EntryType.SYMLINK) { // made anew at commit
                touched.add(parentOf(c.path()));
            }
        }
        // What leaves or changes type goes first: files on several threads (a system call each,
        // about 2,000 of them in a 2% update of a 50,000-file tree), then directories, deepest first.
        List<Path> goneFiles = new ArrayList<>();
        List<Path> goneDirs = new ArrayList<>();
        for (int k = all.size() - 1; k >= 0; k--) { // deepest first: children before their directory
            PathChange c = all.get(k);
            Entry o = c.oldEntry();
            Entry n = c.newEntry();
            if (c.action() == ChangeAction.UNCHANGED || o == null || o.isSymlink() || (o.isDir() && n != null
                    && n.isDir())) {
                continue; // kept as it is (symlinks were never mirrored)
            }
            (o.isDir() ? goneDirs : goneFiles).add(staging.resolve(o.path()));
        }
        // a link to the old file: replaced, never written into
        Batches.run(goneFiles.size(), () -> false, j -> Files.deleteIfExists(goneFiles.get(j)));
        for (Path p : goneDirs) {
            DatasetStore.deleteTree(p);
        }
        // Directories in canonical order (every parent before its children), then the files.
        List<PathChange> files = new ArrayList<>();
        int index = -1; // of e in target.entries(): the diff lists them in the same order
        for (PathChange c : all) {
            Entry e = c.newEntry();
            if (e == null) {
                continue;
            }
            index++;
            Entry o = c.oldEntry();
            if (c.action() == ChangeAction.UNCHANGED) {
                if (c.type() == EntryType.FILE) {
                    linked.set(index);
                } else if (c.type() == EntryType.DIR && ReleaseMirror.settles(e) && !touched.contains(e.path())) {
                    settled.set(index);
                }
                continue;
            }
            if (e.isDir()) {
                Path dst = staging.resolve(e.path());
                if (o == null || !o.isDir()) {
                    Files.createDirectory(dst);
                } else {
                    makeWritableDir(dst); // a mode change: applied at commit
                }
            } else if (e.isFile()) {
                files.add(c);
            }
        }
        @SuppressWarnings("unchecked")
        List<FetchRange>[] missing = new List[files.size()];
        Batches.run(files.size(), () -> false, j -> {
            Entry e = files.get(j).newEntry();
            Path dst = staging.resolve(e.path());
            FilePlan fp = filePlans.get(e.path());
            if (fp != null) {
                missing[j] = assembleFresh(fp, dst);
            } else {
                copyForMetadata(currentDir.resolve(e.path()), dst, e); // new metadata only
            }
        });
        for (List<FetchRange> m : missing) { // in canonical order, whatever thread made them
            if (m != null) {
                pending.addAll(m);
            }
        }
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** Prepares a staging directory a previous attempt left: every path is checked, kept or replaced. */
    private void prepareResumed() throws IOException {
        Path currentDir = current == null ? null : store.releaseDir(current.version());
        int index = -1; // of e in target.entries(): the diff lists them in the same order
        for (PathChange c : plan.diff().all()) { // canonical order: every directory before its children
            Entry e = c.newEntry();
            if (e == null) {
                continue;
            }
            index++;
            Path dst = staging.resolve(e.path());
            if (e.isDir()) {
                ensureDir(dst);
            } else if (e.isFile()) {
                FilePlan fp = filePlans.get(e.path());
                if (fp != null) {
                    assembleLocal(fp, dst, false, pending);
                    continue;
                }
                Path src = currentDir.resolve(e.path());
                boolean unchanged = c.action() == ChangeAction.UNCHANGED;
                if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
                    if (unchanged && sameInode(dst, src)) {
                        linked.set(index);
                        continue;
                    }
                    DatasetStore.deleteTree(dst);
                }
                if (unchanged) {
                    Files.createLink(dst, src); // immutable releases share inodes
                    linked.set(index);
                } else {
                    copyForMetadata(src, dst, e); // new metadata: a copy of its own
                }
            }
        }
    }

    /**
     * Notes, for each file whose last bytes come from fetched ranges (and none from DUPLICATE
     * copies, made at commit), how many bytes are still pending: {@link #accept} hashes the bytes
     * as they arrive (a {@link ProgressiveDigest}, made when the file's first range lands, so that
     * only files on the wire hold one) and verifies the file as soon as they are all in, while
     * other ranges are still on the wire, instead of at commit.
     */
    private void trackCompletion() {
        List<FetchRange> all = List.copyOf(pending);
        trackedRanges = all;
        Map<String, List<Segment>> copies = new HashMap<>();
        synchronized (deferred) {
            for (FilePlan fp : deferred) { // still to copy: not in staging yet either
                copies.put(fp.path(), fp.segments().stream().filter(x -> x.kind() == Segment.Kind.LOCAL).toList());
            }
        }
        // A file's ranges are consecutive in pending, by offset (assembleLocal adds them so).
        for (int from = 0; from < all.size(); ) {
            String path = all.get(from).path();
            int to = from + 1;
            long bytes = all.get(from).length();
            boolean ordered = true;
            while (to < all.size() && all.get(to).path().equals(path)) {
                ordered &= all.get(to).offset() >= all.get(to - 1).offset() + all.get(to - 1).length();
                bytes += all.get(to++).length();
            }
            FilePlan fp = filePlans.get(path);
            // Duplicates are filled at commit, and a hole is no range or copy to count in: such a
            // file is read back and verified at commit.
            boolean atCommit = fp == null || fp.has(Segment.Kind.DUPLICATE) || fp.has(Segment.Kind.ZERO);
            List<Segment> local = copies.getOrDefault(path, List.of());
            for (Segment x : local) {
                bytes += x.length();
            }
            if (!atCommit && ordered && remaining.putIfAbsent(path, new Tracked(bytes, from, to, local)) != null) {
                remaining.remove(path); // its ranges are not in one stretch after all: checked at commit
            }
            from = to;
        }
    }

    /** A fetched file whose bytes are counted down and hashed as its ranges land. */
    private static final class Tracked {
        final java.util.concurrent.atomic.AtomicLong left;
        /** Its ranges: {@code [from, to)} of {@link #trackedRanges}. */
        final int from;
        final int to;
        /** Its LOCAL segments left for {@link #startLocalCopies()}: counted in {@link #left} too. */
        final List<Segment> copies;
        /** Made when its first range or copy lands, dropped once it is verified. */
        private ProgressiveDigest digest;

        Tracked(long bytes, int from, int to, List<Segment> copies) {
            this.left = new java.util.concurrent.atomic.AtomicLong(bytes);
            this.from = from;
            this.to = to;
            this.copies = copies;
        }
    }

    private ProgressiveDigest digestOf(Tracked t, Entry e) {
        synchronized (t) {
            if (t.digest == null) {
                t.digest = new ProgressiveDigest(staging.resolve(e.path()), e, trackedRanges.subList(t.from, t.to),
                        t.copies, reread);
            }
            return t.digest;
        }
    }

    /** {@link #assembleLocal} of a file made anew in staging; returns its ranges still to fetch. */
    private List<FetchRange> assembleFresh(FilePlan fp, Path dst) throws IOException {
        List<FetchRange> mine = new ArrayList<>(0);
        assembleLocal(fp, dst, true, mine);
        return mine;
    }

    /**
     * Writes a file's LOCAL segments into staging and adds the ranges it still lacks to {@code out}.
     * A file made anew that is fetched whole is not created here: {@link #accept} creates it when
     * its first range arrives (one open instead of two, and none at all for this pass).
     */
    private void assembleLocal(FilePlan fp, Path dst, boolean fresh, List<FetchRange> out) throws IOException {
        Entry e = fp.target();
        // A big file made anew is written over the spare when there is one (ReleaseSpare): every
        // byte of it is written below (or fetched, or filled at commit), zero runs included. Not
        // a file that is mostly zeros: as a new file its runs stay holes, neither written nor
        // taking disk space.
        boolean recycled = fresh && e.size() >= ReleaseSpare.MIN_BYTES && zeroBytes(fp) <= e.size() / 16
                && ReleaseSpare.take(store, dst, e.size());
        if (recycled) {
            LOG.debug("{} v{}: {} is written over the spare file", store.dataset(), target.version(), e.path());
        }
        if (fresh && deferCopies && deferrable(fp)) {
            // Not made here: its first copy or range makes it (staging has nothing at its path, so
            // never through a link), and the copies follow in startLocalCopies().
            for (Segment s : fp.segments()) {
                if (s.kind() == Segment.Kind.FETCH) {
                    addMissing(e, s, null, out);
                }
            }
            deferred.add(fp);
            return;
        }
        if (fresh && e.size() > 0 && fp.all(Segment.Kind.FETCH)) {
            for (Segment s : fp.segments()) {
                addMissing(e, s, null, out);
            }
            return;
        }
        boolean existed = !fresh && Files.exists(dst, LinkOption.NOFOLLOW_LINKS);
        if (existed && (!Files.isRegularFile(dst, LinkOption.NOFOLLOW_LINKS) || linkCount(dst) > 1)) {
            // Not a file, or a hard link a different plan left (a release's file): never write into it.
            DatasetStore.deleteTree(dst);
            existed = false;
        }
        if (existed) {
            makeOwnerWritable(dst); // an interrupted commit may have applied a read-only mode already
        }
        try (FileChannel ch = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            for (Segment s : fp.segments()) {
                switch (s.kind()) {
                    case LOCAL -> copyRange(store.releaseDir(s.sourceVersion()).resolve(s.sourcePath()), s.sourceOffset(),
                            ch, s.offset(), s.length());
                    case FETCH -> addMissing(e, s, existed ? ch : null, out);
                    case DUPLICATE -> { } // filled at commit, from this version's own files
                    case ZERO -> {
                        if (existed || recycled) {
                            clearZeros(ch, s);
                        } // else a hole: nothing written there reads as zeros
                    }
                }
            }
            if (ch.size() > e.size()) {
                ch.truncate(e.size());
            } else if (ch.size() < e.size() && fp.segments().get(fp.segments().size() - 1).kind() == Segment.Kind.ZERO) {
                // A file ending in zeros: its last byte gives it its size, the rest of the run stays a hole.
                ch.write(ByteBuffer.allocate(1), e.size() - 1);
            }
        }
    }

    /** Bytes of {@code fp}'s ZERO segments. */
    private static long zeroBytes(FilePlan fp) {
        long n = 0;
        for (Segment s : fp.segments()) {
            if (s.kind() == Segment.Kind.ZERO) {
                n += s.length();
            }
        }
        return n;
    }

    /**
     * Whether a file's LOCAL copies can wait for {@link #startLocalCopies()}: a file that is also
     * fetched (so hashed progressively, and verified once everything is in) and copies nothing
     * from this version's own files. The fetch then starts without waiting for any copy: on a
     * source tree's update, the opening and copying of about a thousand edited small files run
     * while the ranges are on the wire.
     */
    private static boolean deferrable(FilePlan fp) {
        boolean local = false;
        boolean fetch = false;
        for (Segment s : fp.segments()) {
            switch (s.kind()) {
                case LOCAL -> local = true;
                case FETCH -> fetch = true;
                case DUPLICATE, ZERO -> {
                    return false;
                }
            }
        }
        return local && fetch;
    }

    /**
     * Copies, on a thread of its own, the LOCAL segments {@link #prepareLocal(boolean)} deferred,
     * in file order, handing each file's hashing to another thread as the copies land: call it
     * once the ranges are asked for, and {@link #awaitLocalCopies()} (or {@link #commit}) after.
     * Nothing to do when nothing was deferred.
     */
    public void startLocalCopies() {
        if (!copiers.isEmpty() || deferred.isEmpty()) {
            return;
        }
        List<FilePlan> files = List.copyOf(deferred);
        stopCopies = false;
        // Files are handed out one at a time, in file order, to whichever copier is free: a source
        // tree's update defers about a thousand edited files, each an open, a copy in the kernel
        // and a hash, and one thread took 148-550 ms for them beside a fetch that kept the other
        // core only partly busy.
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        long t0 = System.nanoTime();
        int threads = files.size() >= FILES_FOR_TWO_COPIERS ? COPIERS : 1;
        for (int k = 0; k < threads; k++) {
            Thread t = new Thread(() -> {
                PieceHasher hasher = new PieceHasher();
                try {
                    for (int i = next.getAndIncrement(); i < files.size() && !stopCopies; i = next.getAndIncrement()) {
                        copyDeferred(files.get(i), hasher);
                    }
                } catch (IOException | RuntimeException e) {
                    copyFailed(e instanceof IOException io ? io : new IOException(e));
                } finally {
                    // nothing the copies handed over runs once this thread has ended
                    IOException late = hasher.finish();
                    if (late != null) {
                        copyFailed(late);
                    }
                    synchronized (copiers) {
                        copyNanos = Math.max(copyNanos, System.nanoTime() - t0);
                    }
                }
            }, "release-copy-" + k);
            t.setDaemon(true);
            copiers.add(t);
        }
        copiers.forEach(Thread::start);
    }

    /** How many copier threads {@link #startLocalCopies()} started (for tests). */
    int copierThreads() {
        return copiers.size();
    }

    /** Records the first failure of a copier, and stops the others at their next file. */
    private void copyFailed(IOException e) {
        synchronized (copiers) {
            if (copyFailure == null) {
                copyFailure = e;
            }
        }
        stopCopies = true;
    }

    /** Waits for {@link #startLocalCopies()}'s copies (starting them if they were not) and throws their failure. */
    public void awaitLocalCopies() throws IOException {
        startLocalCopies();
        if (copiers.isEmpty()) {
            return;
        }
        try {
            for (Thread t : copiers) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while copying locally");
        }
        if (copyFailure != null) {
            throw copyFailure;
        }
        deferred.clear();
    }

    /**
     * Stops {@link #startLocalCopies()}'s copies at the next file, and {@link #startCommitAhead()}'s
     * work, and waits for them and for a first build's directories: a sync that failed.
     */
    public void abandonLocalCopies() {
        stopLocalCopies();
        FreshDirectories dirs = freshDirectories;
        if (dirs != null) {
            try {
                dirs.await(); // nothing goes on in staging once the caller lets go of the lock
            } catch (IOException | RuntimeException e) {
                LOG.debug("{} v{}: making the release's directories failed: {}", store.dataset(), target.version(),
                        e.toString());
            }
        }
    }

    /** Stops and joins the threads of {@link #startCommitAhead()} and {@link #startLocalCopies()}. */
    private void stopLocalCopies() {
        joinAhead(true);
        if (copiers.isEmpty()) {
            return;
        }
        stopCopies = true;
        copiers.forEach(ReleaseBuilder::joinUninterruptibly);
        copiers.clear();
    }

    /** Bytes {@link #startLocalCopies()}'s threads copied so far. */
    public long bytesCopiedAlongside() {
        return copiedAlongside.get();
    }

    /** Time {@link #startLocalCopies()}'s threads spent copying, start to last end (0 before they end, or when there was nothing). */
    public long localCopyMillis() {
        return copyNanos / 1_000_000;
    }

    /**
     * Copies one deferred file's LOCAL segments; the file is verified here (or by {@code hasher},
     * behind the last copy) if its ranges are all in already.
     */
    private void copyDeferred(FilePlan fp, PieceHasher hasher) throws IOException {
        Tracked t = remaining.get(fp.path()); // null: not tracked, verified at commit
        ProgressiveDigest p = t == null ? null : digestOf(t, fp.target());
        Map<String, FileChannel> sources = new HashMap<>();
        // A big file's copies go through memory, and its digest takes them from there on another
        // thread: both cores work and nothing is read back (on a 1 GB tar's update the read-back
        // was a third of the hashing thread's time). A small one is copied in the kernel and
        // hashed here, behind each copy.
        boolean throughMemory = p != null && fp.target().size() >= PROGRESSIVE_MIN_BYTES;
        // CREATE: made by its first copy or range, whichever comes first (see assembleLocal)
        try (FileChannel out = FileChannel.open(staging.resolve(fp.path()), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            for (Segment s : fp.segments()) {
                if (s.kind() != Segment.Kind.LOCAL) {
                    continue;
                }
                if (stopCopies) {
                    return;
                }
                String key = s.sourceVersion() + "/" + s.sourcePath();
                FileChannel in = sources.get(key);
                if (in == null) {
                    in = FileChannel.open(store.releaseDir(s.sourceVersion()).resolve(s.sourcePath()),
                            StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    sources.put(key, in);
                }
                if (throughMemory) {
                    copyThroughMemory(in, s, out, fp.target(), t, p, hasher);
                    continue;
                }
                transfer(in, s.sourcePath(), s.sourceOffset(), out, s.offset(), s.length());
                copiedAlongside.addAndGet(s.length());
                if (p != null) {
                    p.complete(s.offset(), s.end(), null);
                    countIn(t, p, fp.path(), s.length());
                }
            }
            if (throughMemory) {
                hasher.submit(null, p::fedAll); // behind the file's last piece
            }
        } finally {
            for (FileChannel in : sources.values()) {
                in.close();
            }
        }
    }

    /**
     * Counts {@code n} bytes of {@code path} as in staging; the one that counts its last byte
     * verifies it (its ranges and copies are all in).
     */
    private void countIn(Tracked t, ProgressiveDigest p, String path, long n) throws IOException {
        if (t.left.addAndGet(-n) == 0) {
            p.verify();
            verified.add(path);
            remaining.remove(path);
        }
    }

    /**
     * Copies LOCAL segment {@code s} piece by piece through {@code hasher}'s buffers: each piece is
     * read, written to staging, then handed to the hashing thread, which feeds it to the file's
     * digest ({@link ProgressiveDigest#feed}: from memory when the digest gets to its start, else
     * recorded and read back once the ranges before it land) and counts it as in; whoever counts
     * the file's last byte verifies it.
     */
    private void copyThroughMemory(FileChannel in, Segment s, FileChannel out, Entry e, Tracked t,
                                   ProgressiveDigest p, PieceHasher hasher) throws IOException {
        for (long done = 0; done < s.length(); ) {
            if (stopCopies) {
                return;
            }
            ByteBuffer buf = hasher.take();
            long from = s.offset() + done;
            try {
                buf.clear().limit((int) Math.min(buf.capacity(), s.length() - done));
                while (buf.hasRemaining()) {
                    if (in.read(buf, s.sourceOffset() + done + buf.position()) < 0) {
                        throw shortRead(s.sourcePath(), s.sourceOffset(), s.length());
                    }
                }
                buf.flip();
                ByteBuffer w = buf.duplicate();
                while (w.hasRemaining()) {
                    out.write(w, from + w.position());
                }
            } catch (IOException | RuntimeException ex) {
                hasher.give(buf);
                throw ex;
            }
            int n = buf.remaining();
            done += n;
            copiedAlongside.addAndGet(n);
            hasher.submit(buf, () -> {
                p.feed(from, from + n, buf);
                countIn(t, p, e.path(), n);
            });
        }
    }

    /**
     * The thread that hashes {@link #startLocalCopies()}'s pieces of big files, in the order they
     * were copied, and the few direct buffers the pieces go through: the copier waits for a free
     * buffer, so it runs at most {@link #PIECES} pieces ahead of the hashing.
     */
    private static final class PieceHasher {
        static final int PIECES = 4;
        static final int PIECE_BYTES = 1 << 20;
        private final java.util.concurrent.BlockingQueue<ByteBuffer> free =
                new java.util.concurrent.ArrayBlockingQueue<>(PIECES);
        private int allocated;
        private java.util.concurrent.ExecutorService thread;
        private volatile IOException failure;

        ByteBuffer take() throws IOException {
            if (failure != null) {
                throw failure;
            }
            ByteBuffer b = free.poll();
            if (b != null) {
                return b;
            }
            if (allocated < PIECES) {
                allocated++;
                return ByteBuffer.allocateDirect(PIECE_BYTES);
            }
            try {
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while copying locally");
            }
        }

        void give(ByteBuffer b) {
            free.offer(b);
        }

        /** Runs {@code work} on the hashing thread, then frees {@code buf} (if any); a failure ends the copies. */
        void submit(ByteBuffer buf, IoAction work) throws IOException {
            if (failure != null) {
                if (buf != null) {
                    give(buf);
                }
                throw failure;
            }
            if (thread == null) {
                thread = Executors.newSingleThreadExecutor(r -> {
                    Thread th = new Thread(r, "release-hash");
                    th.setDaemon(true);
                    return th;
                });
            }
            thread.execute(() -> {
                try {
                    if (failure == null) {
                        work.run();
                    }
                } catch (IOException | RuntimeException e) {
                    failure = e instanceof IOException io ? io : new IOException(e);
                } finally {
                    if (buf != null) {
                        give(buf);
                    }
                }
            });
        }

        /** Waits for the pieces handed over to be hashed and ends the thread; returns the first failure, if any. */
        IOException finish() {
            if (thread != null) {
                thread.shutdown();
                boolean interrupted = false;
                while (!thread.isTerminated()) {
                    try {
                        thread.awaitTermination(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return failure;
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /** Adds the chunks of a FETCH segment that staging doesn't already hold to {@link #pending}. */
    private void addMissing(Entry e, Segment s, FileChannel existing, List<FetchRange> out) throws IOException {
        ChunkList c = e.chunks();
        int i = c.indexAt(s.offset());
        long end = s.end();
        int runStart = -1;
        long runBytes = 0;
        ByteBuffer buf = existing == null ? null : ByteBuffer.allocate(target.chunker().max());
        long[] id = new long[2];
        for (; i < c.size() && c.offset(i) < end; i++) {
            boolean have = existing != null && holds(existing, c, i, buf, id);
            if (have) {
                bytesResumed += c.length(i);
            }
            if (!have && runStart >= 0 && runBytes + c.length(i) > maxRangeBytes) {
                flushRun(e, c, runStart, i, out);
                runStart = -1;
                runBytes = 0;
            }
            if (!have) {
                if (runStart < 0) {
                    runStart = i;
                }
                runBytes += c.length(i);
            } else if (runStart >= 0) {
                flushRun(e, c, runStart, i, out);
                runStart = -1;
                runBytes = 0;
            }
        }
        if (runStart >= 0) {
            flushRun(e, c, runStart, i, out);
        }
    }

    /**
     * Makes a ZERO segment of a file a previous attempt left read as zeros. A hole does (as it was
     * left), and so do zeros written there; anything else is overwritten with zeros.
     */
    private static void clearZeros(FileChannel ch, Segment s) throws IOException {
        long end = Math.min(s.end(), ch.size()); // past the end it reads as zeros once the file has its size
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 16, Math.max(1, end - s.offset())));
        for (long at = s.offset(); at < end; ) {
            int n = (int) Math.min(buf.capacity(), end - at);
            buf.clear().limit(n);
            while (buf.hasRemaining() && ch.read(buf, at + buf.position()) >= 0) {
                // read the whole piece
            }
            int got = buf.position();
            byte[] a = buf.array();
            boolean zeros = true;
            for (int i = 0; i < got && zeros; i++) {
                zeros = a[i] == 0;
            }
            if (!zeros) {
                ByteBuffer z = ByteBuffer.allocate(got);
                while (z.hasRemaining()) {
                    ch.write(z, at + z.position());
                }
            }
            at += Math.max(got, 1);
        }
    }

    private static void flushRun(Entry e, ChunkList c, int from, int to, List<FetchRange> out) {
        long off = c.offset(from);
        long endOff = c.offset(to - 1) + c.length(to - 1);
        out.add(new FetchRange(e.path(), off, endOff - off, from, to - from));
    }

    private static boolean holds(FileChannel ch, ChunkList c, int i, ByteBuffer buf, long[] id) throws IOException {
        long off = c.offset(i);
        int len = c.length(i);
        if (ch.size() < off + len) {
            return false;
        }
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
            if (ch.read(buf, off + buf.position()) < 0) {
                return false;
            }
        }
        XX128.hashBytes(buf.array(), 0, len, id); // [0] = low 64 bits, [1] = high
        return id[1] == c.idHi(i) && id[0] == c.idLo(i);
    }

    /**
     * Checks the bytes of a pending range against the manifest's chunk ids and writes them into
     * staging. Thread-safe for distinct ranges.
     *
     * @throws ChunkMismatchException when a chunk's bytes don't match its id (nothing is written)
     */
    public void accept(FetchRange r, ByteBuffer data) throws IOException {
        int index = target.indexOf(r.path());
        Entry e = index < 0 ? null : target.entries().get(index);
        if (e == null || !e.isFile()) {
            throw new StoreException("no file " + r.path() + " in " + target.dataset() + " v" + target.version());
        }
        if (data.remaining() != r.length()) {
            throw new ChunkMismatchException(r, "range " + r.path() + " @" + r.offset() + " expected " + r.length()
                    + " bytes, got " + data.remaining());
        }
        ChunkList c = e.chunks();
        long[] id = new long[2];
        int pos = data.position();
        for (int i = r.firstChunk(); i < r.firstChunk() + r.chunkCount(); i++) {
            int len = c.length(i);
            XX128.hashBytes(data, pos, len, id);
            if (id[1] != c.idHi(i) || id[0] != c.idLo(i)) {
                throw new ChunkMismatchException(r, "chunk " + i + " of " + r.path() + " (offset " + c.offset(i)
                        + ") does not match its id " + c.id(i).toHex());
            }
            pos += len;
        }
        FreshDirectories dirs = freshDirectories;
        if (dirs != null) {
            dirs.awaitThrough(index); // its parents, on a first build
        }
        // The whole file in one range: nothing else writes to it (a later range, a copy, a
        // duplicate's fill), so its mode and time are set now, on its descriptor, instead of by
        // path at commit; its mode by the open that creates it where the kernel keeps it whole
        // (CreationMode). Not a mode that would keep its owner from writing a refetch.
        boolean single = r.offset() == 0 && r.length() == e.size() && (e.mode() & 0600) == 0600;
        Path file = staging.resolve(r.path());
        FileChannel created = single && CreationMode.exact(e.mode(), creationMask())
                ? CreationMode.create(file, e.mode()) : null;
        boolean whole;
        // CREATE: a file fetched whole is made by its first range (see assembleLocal); never through a link
        try (FileChannel out = created != null ? created : FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer d = data.duplicate();
            long at = r.offset();
            while (d.hasRemaining()) {
                at += out.write(d, at);
            }
            long mtime = settableNanos(e.mtimeNanos());
            whole = single && (created != null ? DescriptorMetadata.setTime(out, mtime)
                    : DescriptorMetadata.set(out, e.mode(), mtime));
        }
        synchronized (this) {
            bytesAccepted += r.length();
            if (whole) {
                metadataSet.set(index);
            }
            if (created != null) {
                createdWithMode++;
            }
        }
        Tracked t = remaining.get(r.path());
        if (t != null) {
            ProgressiveDigest p = digestOf(t, e);
            // before the count: the last range sees every one
            p.complete(r.offset(), r.offset() + r.length(), data.duplicate());
            countIn(t, p, e.path(), r.length()); // the last byte in: checked now, off the commit path
        }
    }

    /** Permission bits a file created in staging keeps ({@link CreationMode#mask}); probed at the first write. */
    private volatile int creationMask = NOT_PROBED;
    private static final int NOT_PROBED = Integer.MIN_VALUE;
    /** Fetched files created with their mode ({@link CreationMode}), under this object's lock. */
    private long createdWithMode;

    private int creationMask() {
        int m = creationMask;
        if (m == NOT_PROBED) {
            synchronized (this) {
                if (creationMask == NOT_PROBED) {
                    creationMask = CreationMode.mask(staging.getParent());
                }
                m = creationMask;
            }
        }
        return m;
    }

    /** Fetched files that were given their mode by the call that created them (no {@code fchmod}). */
    public synchronized long filesCreatedWithMode() {
        return createdWithMode;
    }

    /** Files holding a digest under way: those with some ranges in and some still to come. */
    int digestsUnderWay() {
        int n = 0;
        for (Tracked t : remaining.values()) {
            synchronized (t) {
                n += t.digest != null ? 1 : 0;
            }
        }
        return n;
    }

    /** Bytes of fetched files read back from staging to verify them; in-order ranges are hashed in memory. */
    public long bytesReread() {
        return reread.sum();
    }

    private String commitTimes = "";
    /** {@link #startCommitAhead()}'s thread, its stop flag, failure, and whether it stored the manifest. */
    private Thread ahead;
    private volatile boolean stopAhead;
    private volatile IOException aheadFailure;
    private volatile boolean manifestStored;

    /**
     * Starts, on a thread of its own, the part of {@link #commit} that needs nothing fetched: the
     * SHA-256 of every file staging already holds complete (assembled from local copies alone, or
     * copied for a change of metadata), and storing the manifest (written and synced to disk; not
     * listed as a release before staging is renamed into {@code releases/}). Call it after
     * {@link #prepareLocal(boolean)}, once the ranges are asked for: on a source tree's update that
     * is a hundred milliseconds of reading, hashing and fsync taken off the commit. {@link #commit}
     * waits for it and throws its failure.
     */
    public void startCommitAhead() {
        if (ahead != null) {
            return;
        }
        Set<String> incomplete = new HashSet<>();
        for (FilePlan fp : plan.files()) {
            if (fp.hasOtherThan(Segment.Kind.LOCAL, Segment.Kind.ZERO)) {
                incomplete.add(fp.path());
            }
        }
        for (FilePlan fp : deferred) {
            incomplete.add(fp.path());
        }
        stopAhead = false;
        ahead = new Thread(() -> {
            try {
                finishFresh(); // the files it hashes may be ones a first build makes after its directories
                ByteBuffer buf = ByteBuffer.allocate(ProgressiveDigest.buffer().capacity());
                List<Entry> entries = target.entries();
                for (int i = 0; i < entries.size(); i++) {
                    Entry e = entries.get(i);
                    if (linked.get(i) || !e.isFile() || verified.contains(e.path()) || incomplete.contains(e.path())) {
                        continue;
                    }
                    if (stopAhead) {
                        return;
                    }
                    verifyFile(e, buf);
                    verified.add(e.path());
                }
                store.writeManifest(target, encoded, rootDigest);
                manifestStored = true;
            } catch (IOException | RuntimeException e) {
                aheadFailure = e instanceof IOException io ? io : new IOException(e);
            }
        }, "release-ahead");
        ahead.setDaemon(true);
        ahead.start();
    }

    /** Waits for {@link #startCommitAhead()}'s thread, if any (stopping it first when {@code stop}). */
    private void joinAhead(boolean stop) {
        Thread t = ahead;
        if (t == null) {
            return;
        }
        stopAhead |= stop;
        joinUninterruptibly(t);
    }

    /** Waits for {@code t} to end, keeping an interrupt that came meanwhile for the caller. */
    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Fills duplicated chunks, verifies every assembled or copied file against its SHA-256, sets
     * modes and times, creates symlinks, stores the manifest, renames staging into
     * {@code releases/} and, if {@code switchCurrent}, points {@code current} at it.
     */
    public void commit(boolean switchCurrent) throws IOException {
        long t0 = System.nanoTime();
        long t1 = t0;
        long t2 = t0;
        long t3 = t0;
        if (!alreadyCommitted()) {
            joinAhead(false);
            if (aheadFailure != null) {
                throw aheadFailure;
            }
            finishFresh();
            awaitLocalCopies();
            for (FilePlan fp : plan.files()) {
                fillDuplicates(fp);
            }
            verifyFiles();
            t1 = System.nanoTime();
            for (PathChange c : plan.diff().all()) { // the diff's types: no pass over every entry
                Entry e = c.newEntry();
                if (e != null && c.type() == EntryType.SYMLINK) {
                    Path link = staging.resolve(e.path());
                    Files.deleteIfExists(link);
                    Files.createSymbolicLink(link, link.getFileSystem().getPath(e.target()));
                }
            }
            applyMetadata();
            t2 = System.nanoTime();
            if (!manifestStored) {
                store.writeManifest(target, encoded, rootDigest);
            }
            t3 = System.nanoTime();
            Files.move(staging, store.releaseDir(target.version()), StandardCopyOption.ATOMIC_MOVE);
            DatasetStore.fsyncDir(store.releaseDir(target.version()).getParent());
        }
        if (switchCurrent) {
            store.switchTo(target.version());
        }
        long t4 = System.nanoTime();
        commitTimes = String.format("verify %d ms, links and metadata %d ms, manifest %d ms, rename and switch %d ms",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
    }

    /** Where the last {@link #commit}'s time went, for a node's debug log. */
    public String commitTimes() {
        return commitTimes;
    }

    private void fillDuplicates(FilePlan fp) throws IOException {
        if (!fp.has(Segment.Kind.DUPLICATE)) {
            return;
        }
        try (FileChannel out = FileChannel.open(staging.resolve(fp.path()), StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            for (Segment s : fp.segments()) {
                if (s.kind() == Segment.Kind.DUPLICATE) {
                    copyRange(staging.resolve(s.sourcePath()), s.sourceOffset(), out, s.offset(), s.length());
                }
            }
        }
    }

    private void verifyFiles() throws IOException {
        ByteBuffer buf = ProgressiveDigest.buffer();
        List<Entry> entries = target.entries();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (linked.get(i) || !e.isFile() || verified.contains(e.path())) {
                continue; // a link is the very file of a committed, verified release
            }
            verifyFile(e, buf);
        }
    }

    /** Checks a staged file against its size and SHA-256. */
    private void verifyFile(Entry e, ByteBuffer buf) throws IOException {
        Path p = staging.resolve(e.path());
        MessageDigest md = Sha256.newDigest();
        long size = 0;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = ch.read(buf.clear())) > 0) {
                md.update(buf.array(), 0, n);
                size += n;
            }
        }
        if (size != e.size() || !MessageDigest.isEqual(md.digest(), e.sha256())) {
            throw new StoreException("verification failed: " + e.path() + " in staging does not match its SHA-256 ("
                    + size + " bytes, expected " + e.size() + "); the release is not committed");
        }
    }

    private void applyMetadata() throws IOException {
        List<Entry> entries = target.entries();
        List<Entry> others = new ArrayList<>();
        List<Entry> openDirs = new ArrayList<>();
        List<Entry> closedDirs = new ArrayList<>();
        for (int i = entries.size() - 1; i >= 0; i--) { // deepest first: children before their directory
            Entry e = entries.get(i);
            if (linked.get(i) || settled.get(i) || metadataSet.get(i)) {
                continue; // a hard link to an unchanged file, a mirrored directory, a file its writer set
            }
            if (e.isDir()) {
                ((e.mode() & 0700) == 0700 ? openDirs : closedDirs).add(e);
            } else {
                others.add(e);
            }
        }
        // Setting the mode or times of a file or directory leaves its parent's as they are, and
        // everything is in place by now: the files and the directories their owner keeps full
        // access to go on several threads (a stat and a utimensat each, for thousands of paths in
        // an update); then the others, deepest first, so that one the owner cannot enter or
        // write is made so after everything beneath it.
        Batches.run(others.size(), () -> false, j -> applyMetadata(others.get(j)));
        Batches.run(openDirs.size(), () -> false, j -> applyMetadata(openDirs.get(j)));
        for (Entry e : closedDirs) {
            applyMetadata(e);
        }
    }

    private void applyMetadata(Entry e) throws IOException {
        Path p = staging.resolve(e.path());
        if (!e.isSymlink() && DescriptorMetadata.set(p, e.mode(), settableNanos(e.mtimeNanos()))) {
            return;
        }
        FileTime atime = null;
        if (!e.isSymlink()) {
            // One stat: the mode is changed only if it differs (a file made here mostly has it
            // already), and the access time is passed on as it is, so that setting the
            // modification time needs no stat of its own.
            Map<String, Object> now = modeAndAccessTime(p);
            if (now == null || ((Integer) now.get("mode") & 07777) != (e.mode() & 07777)) {
                setMode(p, e.mode());
            }
            atime = now == null ? null : (FileTime) now.get("lastAccessTime");
        }
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(settableTime(e.mtimeNanos()), atime, null);
    }

    /**
     * The time to set for a manifest's mtime: the time itself, except before 1970 with a fraction
     * of a second, which is set to the whole second before it. The JVM hands the kernel such a
     * time with a negative nanosecond field, which it refuses, and then sets 1970-01-01 instead
     * (seen: a file of 1960-06-01 12:00:00.123456789 got 1970-01-01 00:00:00).
     */
    static FileTime settableTime(long nanos) {
        return FileTime.from(settableNanos(nanos), TimeUnit.NANOSECONDS);
    }

    /** {@link #settableTime} in nanoseconds. */
    static long settableNanos(long nanos) {
        long second = 1_000_000_000L;
        return nanos < 0 ? Math.floorDiv(nanos, second) * second : nanos;
    }

    private static Map<String, Object> modeAndAccessTime(Path p) throws IOException {
        try {
            return Files.readAttributes(p, "unix:mode,lastAccessTime", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            Files.setPosixFilePermissions(p, Permissions.of(mode));
        }
    }

    private static void ensureDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                DatasetStore.deleteTree(dir); // left by an interrupted attempt: never write through it
                Files.createDirectory(dir);
            }
        }
        makeWritableDir(dir);
    }

    private static void makeWritableDir(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, Permissions.of(0700 | (modeOf(dir) & 0777)));
    }

    private static void makeOwnerWritable(Path f) throws IOException {
        Files.setPosixFilePermissions(f, Permissions.of(0600 | (modeOf(f) & 0777)));
    }

    private static int modeOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static int linkCount(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean sameInode(Path a, Path b) {
        try {
            Object ka = Files.readAttributes(a, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            Object kb = Files.readAttributes(b, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return ka != null && ka.equals(kb);
        } catch (IOException e) {
            return false;
        }
    }

    private static void copyRange(Path from, long fromOffset, FileChannel out, long toOffset, long length)
            throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            transfer(in, from, fromOffset, out, toOffset, length);
        }
    }

    private static StoreException shortRead(Object from, long fromOffset, long length) {
        return new StoreException("short read copying " + length + " bytes from " + from + " at " + fromOffset
                + ": the source release is damaged");
    }

    /**
     * Copies a file whose content is unchanged but whose mode or time is not (a release's files
     * are shared by hard links, so it needs an inode of its own). A file with runs of zeros gets
     * holes there, as {@link #assembleLocal} makes them: a sparse image whose time changed stays
     * sparse. Other files are copied as they are.
     */
    private void copyForMetadata(Path src, Path dst, Entry e) throws IOException {
        List<long[]> runs = e.size() == 0 ? null : ZeroChunks.dataRuns(e, target.chunker());
        if (runs == null) {
            Files.copy(src, dst, LinkOption.NOFOLLOW_LINKS);
            return;
        }
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                     LinkOption.NOFOLLOW_LINKS)) {
            for (long[] r : runs) {
                transfer(in, e.path(), r[0], out, r[0], r[1]);
            }
            if (out.size() < e.size()) {
                out.write(ByteBuffer.allocate(1), e.size() - 1); // ends in zeros: the last byte gives the size
            }
        }
    }

    /** Copies in the kernel (sendfile between the two files). */
    private static void transfer(FileChannel in, Object from, long fromOffset, FileChannel out, long toOffset,
                                 long length) throws IOException {
        long done = 0;
        while (done < length) {
            long n = in.transferTo(fromOffset + done, length - done, out.position(toOffset + done));
            if (n <= 0) {
                throw shortRead(from, fromOffset, length);
            }
            done += n;
        }
    }
}
