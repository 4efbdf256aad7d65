package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.manifest.ManifestPath;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers, per relative path, the stat of a file when it was last chunked and what the
 * chunking produced, so that a rescan of an unchanged tree reads no file at all.
 *
 * <h2>What is stored</h2>
 * A persisted Chronicle Map from path to a value in {@link FileStateCodec}'s format: size,
 * mtime, inode, device, ctime, chunker parameters, SHA-256 and the chunk table, closed by an
 * XXH3 checksum over the key and the value. A lookup hits only when all of those stat fields
 * and the chunker parameters are equal and the checksum holds; anything else is a miss, so a
 * damaged value costs one re-read, never a wrong manifest.
 *
 * <h2>Values of very different sizes</h2>
 * An empty file's value is about 100 bytes; a 10 GiB file has ~655k chunks (13 MB of table).
 * Values up to {@value #INLINE_TABLE_LIMIT} bytes of table live in the map, sized for a small
 * average value ({@value #AVERAGE_VALUE_BYTES} B) with a generous {@code maxBloatFactor}; a
 * larger table goes to a side file {@code chunks/<xxh3-128>.tbl} named by the hash of its
 * content (written to a temporary file and renamed) and the map keeps only that name. A side
 * file is checked against its name when read. Side files no entry refers to are deleted when
 * {@link #retainOnly} runs at the end of a scan.
 *
 * <h2>Sizing and growth</h2>
 * The map is created for an entries hint (with head room) and its file is named after that
 * capacity. {@link #ensureCapacity} (called by the scanner once it knows how many files there
 * are) rebuilds a bigger map, copying the entries. If the map still fills up, further stores
 * are dropped (a warning, no failure) and the next open doubles the capacity.
 *
 * <h2>The snapshot beside the map</h2>
 * At close, the scan's files (every hit and store, in canonical order) are also written to a
 * {@link FileStateSnapshot}, bound to the seal of the map state just closed. {@link #open} then
 * defers opening the map when the state file says it was closed cleanly, the map file still
 * carries that seal and a sound snapshot of that state exists: a scan merges its walk against
 * the snapshot and opens the map (at the first {@link #lookup} or {@link #store}, or to drop
 * vanished paths) only when something changed. An unchanged tree is so answered without
 * Chronicle Map's start-up or a single lookup.
 *
 * <h2>It is only a cache</h2>
 * <ul>
 *   <li>A lock file ({@code FileChannel.tryLock}) keeps out a second process; if it is held,
 *       this process runs without a cache.</li>
 *   <li>A state file says whether the map was closed cleanly, and if so carries a seal (length
 *       and XXH3 of the whole map file). A clean map whose seal does not match (truncated or
 *       overwritten) is deleted and rebuilt rather than handed to Chronicle Map, which can
 *       stall for a minute on a damaged header.</li>
 *   <li>A map left open by a process that died is recovered with
 *       {@code recoverPersistedTo(file, false)}; if that fails, it is deleted and rebuilt.</li>
 *   <li>Any error while opening or reading logs a warning and degrades to a miss or to no
 *       cache; nothing here fails a scan.</li>
 * </ul>
 *
 * <p>The timestamps compared are only trustworthy for files not modified within the file
 * system's timestamp granularity of being read (the "racy" case: a write in the same tick as
 * the read leaves mtime unchanged). Such files are not stored, so they are read again next
 * time. Thread-safe: chunking workers look up and store concurrently.
 */
public final class FileStateCache implements Closeable {
    static {
        disablePhoneHome();
    }

    private static final Logger LOG = LoggerFactory.getLogger(FileStateCache.class);

    /** Chunk tables above this many bytes go to a side file. */
    public static final int INLINE_TABLE_LIMIT = 64 * 1024;
    /** Largest chunk table cached at all (about 27 million chunks). */
    static final long MAX_TABLE_BYTES = 512L * 1024 * 1024;
    static final int AVERAGE_VALUE_BYTES = 400;
    static final int AVERAGE_KEY_BYTES = 64;
    static final long MIN_CAPACITY = 1024;

    /** How an open cache came to be; for logs and tests. */
    public enum OpenMode {
        /** No map existed: a new, empty one. */
        CREATED,
        /** The map was closed cleanly and reopened. */
        OPENED,
        /** The previous process did not close the map; Chronicle Map's recovery restored it. */
        RECOVERED,
        /** The map was damaged or unrecoverable: deleted and replaced by an empty one. */
        REBUILT,
        /** No cache: the directory is locked by another process, or could not be used. */
        DISABLED
    }

    private final Path dir;
    private final CacheFiles files;
    private volatile OpenMode mode;
    private volatile ChronicleMap<String, byte[]> map;
    /** True while the map is sealed on disk and not yet opened: it opens at the first lookup or store. */
    private volatile boolean deferred;
    private long deferredEntries;
    /** The previous scan's files, when the state file vouches for the map it was written with. */
    private volatile FileStateSnapshot snapshot;
    /** Identity of the sealed map state that {@link #snapshot} belongs to, or 0. */
    private long snapshotIdentity;
    /** The snapshot to write at close; null to keep the current one when the map stays closed. */
    private FileStateSnapshot.Writer nextSnapshot;
    private boolean closed;
    private volatile long capacity;
    private volatile boolean full;
    private final AtomicLong corrupt = new AtomicLong();
    private final Set<String> liveSideFiles = ConcurrentHashMap.newKeySet();

    private FileStateCache(Path dir, CacheFiles files, OpenMode mode, ChronicleMap<String, byte[]> map, long capacity) {
        this.dir = dir;
        this.files = files;
        this.mode = mode;
        this.map = map;
        this.capacity = capacity;
    }

    /** A cache that never hits and stores nothing. */
    public static FileStateCache disabled() {
        return new FileStateCache(null, null, OpenMode.DISABLED, null, 0);
    }

    /**
     * Opens (creating, recovering or rebuilding as needed) the cache in {@code dir}, sized for
     * about {@code expectedEntries} files. Never fails because of the cache's own state: on any
     * problem it logs a warning and returns a {@link OpenMode#DISABLED} cache.
     */
    public static FileStateCache open(Path dir, long expectedEntries) {
        CacheFiles files = CacheFiles.lock(dir);
        if (files == null) {
            return disabled();
        }
        try {
            FileStateCache deferred = deferredWithSnapshot(dir, files, expectedEntries);
            if (deferred != null) {
                return deferred;
            }
            CacheFiles.Opened o = files.openMap(Math.max(MIN_CAPACITY, expectedEntries));
            FileStateCache c = new FileStateCache(dir, files, o.mode(), o.map(), o.capacity());
            // a map that filled up last time is doubled now
            c.ensureCapacity(o.wasFull() ? Math.max(expectedEntries, o.capacity() + 1) : expectedEntries);
            return c;
        } catch (IOException | RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw (Error) e;
            }
            LOG.warn("file-state cache in {} cannot be opened, scanning without it: {}", dir, e.toString());
            files.release();
            return disabled();
        }
    }

    /**
     * A cache whose map stays closed until a lookup or store needs it, when the state file says
     * the map was closed cleanly and a sound snapshot of that very state exists; else null.
     */
    private static FileStateCache deferredWithSnapshot(Path dir, CacheFiles files, long expectedEntries) {
        long identity = files.closedIdentity();
        if (identity == 0) {
            return null;
        }
        FileStateSnapshot snap;
        try {
            snap = FileStateSnapshot.read(files.snapshotFile(), identity);
        } catch (IOException | RuntimeException e) {
            LOG.debug("file-state snapshot in {} unreadable: {}", dir, e.toString());
            snap = null;
        }
        if (snap == null) {
            return null;
        }
        FileStateCache c = new FileStateCache(dir, files, OpenMode.OPENED, null, 0);
        c.deferred = true;
        c.deferredEntries = expectedEntries;
        c.snapshot = snap;
        c.snapshotIdentity = identity;
        return c;
    }

    /** The map, opened now if it was deferred; null when disabled or if opening failed. */
    private ChronicleMap<String, byte[]> map() {
        ChronicleMap<String, byte[]> m = map;
        if (m != null || !deferred) {
            return m;
        }
        synchronized (this) {
            if (deferred) {
                deferred = false;
                try {
                    long entries = deferredEntries;
                    CacheFiles.Opened o = files.openMap(Math.max(MIN_CAPACITY, entries));
                    mode = o.mode();
                    capacity = o.capacity();
                    map = o.map();
                    ensureCapacity(o.wasFull() ? Math.max(entries, o.capacity() + 1) : entries);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("file-state cache in {} cannot be opened, going on without it: {}", dir, e.toString());
                    mode = OpenMode.DISABLED;
                }
            }
            return map;
        }
    }

    /**
     * {@link #open} on a daemon thread, so that a scan can walk the tree while Chronicle Map
     * starts (its first use in a process costs a few hundred milliseconds of class loading and
     * native set-up on one core). Like {@link #open}, never completes exceptionally for the
     * cache's own problems.
     */
    public static CompletableFuture<FileStateCache> openInBackground(Path dir, long expectedEntries) {
        CompletableFuture<FileStateCache> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                FileStateCache c = open(dir, expectedEntries);
                PhaseLog.mark("cache opened");
                f.complete(c);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "delta-cache-open");
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** How this cache was opened. */
    public OpenMode openMode() {
        return mode;
    }

    /** True unless this cache is disabled (or has been closed). */
    public boolean isEnabled() {
        return map != null || deferred;
    }

    /** True when the map itself has been opened (not only the snapshot read). */
    boolean mapOpened() {
        return map != null;
    }

    /** Opens the map now if it was deferred; false if it cannot be used. */
    boolean openMap() {
        return map() != null;
    }

    /** The previous scan's snapshot if it was made with {@code params}, else null. */
    FileStateSnapshot snapshot(ChunkerParams params) {
        FileStateSnapshot s = snapshot;
        return s != null && s.params.equals(params) ? s : null;
    }

    /**
     * The files to write as the next snapshot at {@link #close} (in canonical order, each one a
     * hit or a store of this scan); null when the loaded snapshot still describes the tree
     * exactly.
     */
    synchronized void nextSnapshot(FileStateSnapshot.Writer w) {
        nextSnapshot = w;
    }

    /** The id {hi, lo} of the side file that {@link #store} keeps {@code chunks}' table in, or null if it goes inline. */
    static long[] sideFileOf(ChunkList chunks) {
        if ((long) chunks.size() * FileStateCodec.CHUNK_BYTES <= INLINE_TABLE_LIMIT) {
            return null;
        }
        ChunkId id = FileStateCodec.sideId(FileStateCodec.table(chunks));
        return new long[] {id.hi(), id.lo()};
    }

    /** Keeps the side file {@code hi,lo} at the next {@link #retainOnly}: a snapshot answered for it. */
    void sideFileInUse(long hi, long lo) {
        liveSideFiles.add(ChunkId.hex(hi, lo));
    }

    /** The cache directory, or null for a disabled cache. */
    public Path directory() {
        return dir;
    }

    /** Number of entries, 0 when disabled. */
    public long size() {
        ChronicleMap<String, byte[]> m = map();
        return m == null ? 0 : m.longSize();
    }

    /** Values found damaged (and treated as misses) since opening. */
    public long corruptValues() {
        return corrupt.get();
    }

    /**
     * The cached chunking of {@code path}, or null unless the cache holds a sound value whose
     * size, mtime, inode, device and ctime equal {@code stat}'s and whose chunker parameters
     * equal {@code params}.
     */
    public ChunkedFile lookup(String path, FileStat stat, ChunkerParams params) {
        ChronicleMap<String, byte[]> m = map();
        if (m == null) {
            return null;
        }
        byte[] raw;
        try {
            raw = m.get(path);
        } catch (RuntimeException e) {
            LOG.warn("file-state cache read of {} failed, treating it as a miss: {}", path, e.toString());
            return null;
        }
        if (raw == null) {
            return null;
        }
        FileStateCodec.Value v = FileStateCodec.decode(path, raw);
        if (v == null) {
            damaged(m, path, "value fails its checksum");
            return null;
        }
        if (!v.stat().sameContentIdentity(stat) || !v.params().equals(params)) {
            return null;
        }
        ChunkList chunks = v.chunks();
        if (v.inSideFile()) {
            chunks = files.readSideFile(ChunkId.of(v.sideHi(), v.sideLo()), v.chunkCount(), v.stat().size());
            if (chunks == null) {
                damaged(m, path, "side file is missing or damaged");
                return null;
            }
            liveSideFiles.add(ChunkId.hex(v.sideHi(), v.sideLo()));
        }
        return new ChunkedFile(v.stat().size(), v.sha256(), chunks);
    }

    private void damaged(ChronicleMap<String, byte[]> m, String path, String why) {
        corrupt.incrementAndGet();
        LOG.warn("file-state cache entry for {} ignored: {}", ManifestPath.quote(path), why);
        try {
            m.remove(path);
        } catch (RuntimeException e) {
            // a miss either way
        }
    }

    /**
     * Records that {@code path}, with {@code stat}, chunks to {@code file} under {@code params}.
     * Ignored when {@code stat} is "racy" (modified too close to {@code readStartNanos}, the
     * wall-clock time the read began, for its mtime to prove a later change), when the cache is
     * disabled or full, or on any error.
     *
     * @return true when the entry was stored
     */
    public boolean store(String path, FileStat stat, ChunkerParams params, ChunkedFile file, long readStartNanos) {
        ChronicleMap<String, byte[]> m = map();
        if (m == null || full || isRacy(stat.mtimeNanos(), readStartNanos)) {
            return false;
        }
        long tableBytes = (long) file.chunks().size() * FileStateCodec.CHUNK_BYTES;
        if (tableBytes > MAX_TABLE_BYTES) {
            return false;
        }
        try {
            byte[] table = FileStateCodec.table(file.chunks());
            ChunkId side = null;
            if (table.length > INLINE_TABLE_LIMIT) {
                side = FileStateCodec.sideId(table);
                files.writeSideFile(side, table);
                liveSideFiles.add(side.toHex());
            }
            m.put(path, FileStateCodec.encode(path, stat, params, file, table, side));
            return true;
        } catch (IllegalStateException e) {
            full = true;
            LOG.warn("file-state cache in {} is full ({} entries); not caching more this run: {}", dir, m.longSize(),
                    e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse(""));
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache could not store {}: {}", ManifestPath.quote(path),
                    e.toString());
        }
        return false;
    }

    /**
     * True when a file with this mtime, read from {@code readStartNanos} on, could have been
     * changed again within the same timestamp tick without its mtime moving. Whole-second
     * mtimes suggest a coarse file system (2 s tick on FAT); otherwise a generous 50 ms covers
     * the kernel's coarse clock.
     */
    static boolean isRacy(long mtimeNanos, long readStartNanos) {
        long window = mtimeNanos % 1_000_000_000L == 0 ? 2_000_000_000L : 50_000_000L;
        return mtimeNanos >= readStartNanos - window;
    }

    /**
     * Makes room for about {@code entries} files: rebuilds a bigger map (copying the entries)
     * when the current one was sized for fewer. Keeps the current map if that fails. Call it
     * before lookups and stores start, not while they run.
     */
    public synchronized void ensureCapacity(long entries) {
        if (deferred) {
            deferredEntries = Math.max(deferredEntries, entries);
            return;
        }
        ChronicleMap<String, byte[]> m = map;
        if (m == null || entries <= capacity) {
            return;
        }
        long target = Math.max(entries + entries / 2, capacity * 2);
        try {
            CacheFiles.Opened bigger = files.grow(m, target);
            map = bigger.map();
            capacity = bigger.capacity();
            full = false;
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache in {} could not grow to {} entries, keeping {}: {}", dir, target, capacity,
                    e.toString());
        }
    }

    /**
     * Forgets every path not in {@code present} and deletes the side files that no lookup or
     * store used since this cache was opened; called at the end of a scan (which looks up
     * every present file) so the cache does not grow forever.
     */
    public void retainOnly(Set<String> present) {
        retainOnly(present, -1);
    }

    /**
     * As {@link #retainOnly(Set)}, told that {@code presentInMap} of the present paths are known
     * to be in the map (this scan's hits and successful stores): when that is every present path
     * and the map holds no more entries than that, nothing is stale and the key scan is skipped.
     */
    public void retainOnly(Set<String> present, long presentInMap) {
        ChronicleMap<String, byte[]> m = map; // a map never opened this run has nothing to drop yet
        if (m == null) {
            return;
        }
        try {
            if (presentInMap != present.size() || m.longSize() != present.size()) {
                List<String> gone = new ArrayList<>();
                for (String key : m.keySet()) {
                    if (!present.contains(key)) {
                        gone.add(key);
                    }
                }
                for (String key : gone) {
                    m.remove(key);
                }
            }
            files.deleteSideFilesExcept(liveSideFiles);
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache in {} could not drop stale entries: {}", dir, e.toString());
        }
    }

    /**
     * Closes the map and seals it, so that the next open trusts it; writes the snapshot the scan
     * left ({@link #nextSnapshot}) for that sealed state; releases the lock.
     */
    @Override
    public synchronized void close() {
        if (closed || files == null) {
            return;
        }
        closed = true;
        ChronicleMap<String, byte[]> m = map;
        map = null;
        deferred = false;
        boolean neverOpened = m == null && mode != OpenMode.DISABLED;
        // the state the next snapshot belongs to: the new seal, or the untouched old one
        long identity = m != null ? files.closeAndSeal(m, full) : neverOpened ? snapshotIdentity : 0;
        try {
            if (identity == 0) {
                files.deleteSnapshot();
            } else if (nextSnapshot != null) {
                files.writeSnapshot(nextSnapshot.encode(identity));
            } else if (m != null) {
                files.deleteSnapshot(); // it belonged to a map state that no longer exists
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state snapshot in {} could not be written; the next scan looks files up in the map: {}",
                    dir, e.toString());
            try {
                files.deleteSnapshot();
            } catch (IOException ignored) {
                // its identity no longer matches the state in any case
            }
        } finally {
            files.release();
        }
    }

    /**
     * Closes the map and releases the lock without sealing it, exactly as if the process had
     * died; for tests of the recovery path.
     */
    void abandonForTest() {
        ChronicleMap<String, byte[]> m = map();
        map = null;
        closed = true;
        if (m != null) {
            m.close();
        }
        files.release();
    }

    /**
     * A CDN node must never phone home: turns off Chronicle's analytics (and its start-up
     * banner) unless the operator set those properties explicitly. Runs before any Chronicle
     * class is loaded by this package.
     */
    static void disablePhoneHome() {
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
        if (System.getProperty("chronicle.announcer.disable") == null) {
            System.setProperty("chronicle.announcer.disable", "true");
        }
    }

    @Override
    public String toString() {
        ChronicleMap<String, byte[]> m = map;
        return "FileStateCache[" + mode + (dir == null ? "" : ", " + dir)
                + (m != null ? ", " + m.longSize() + " entries" : deferred ? ", map not opened yet" : "") + "]";
    }
}
