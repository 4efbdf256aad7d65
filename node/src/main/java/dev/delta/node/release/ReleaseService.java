package dev.delta.node.release;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.manifest.ManifestLimits;
import dev.delta.engine.manifest.ManifestPath;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.plan.FileGroups;
import dev.delta.engine.store.DatasetStore;
import dev.delta.protocol.server.AnnounceListener;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DatasetService;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.server.StoredPatch;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ManifestKind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves the releases under a data directory to authenticated peers: manifests of retained
 * versions (as a delta against the version the peer holds when this node still has it), byte
 * ranges of their files, and announcements whenever a dataset's {@code current} moves — whether a
 * publish ran in this process or in another one. The dataset directories of subscribed datasets
 * are watched (inotify on Linux), so an announcement leaves within milliseconds of the switch;
 * the link is also polled every {@value #POLL_MS} ms, for file systems that report no changes.
 */
public final class ReleaseService implements DatasetService, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseService.class);
    private static final long POLL_MS = 200;

    private final Path dataDir;
    private final String keyId;
    private final byte[] secret;
    private final List<String> datasets;
    private final Map<String, List<AnnounceListener>> listeners = new ConcurrentHashMap<>();
    private final Map<String, Long> announced = new ConcurrentHashMap<>();
    private final Map<String, byte[]> deltaCache = new ConcurrentHashMap<>();
    /** Encoded envelopes by dataset, base (0 = full), version, root digest and signature: a few full ones at most. */
    private final Map<String, byte[]> fullPayloads = new ConcurrentHashMap<>();
    private final Map<String, byte[]> deltaPayloads = new ConcurrentHashMap<>();
    private final Map<String, DatasetStore> stores = new ConcurrentHashMap<>();
    /**
     * Decoded manifests of recently served versions, least recently used first: every range
     * request needs its file's entry. Bounded by {@link #maxDecoded} manifests and
     * {@link #maxDecodedEntries} entries in all (see {@link #keep}).
     */
    private final Map<String, Manifest> manifests = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true));
    /** At most this many decoded manifests are kept. */
    static final int MAX_DECODED = 8;
    /**
     * At most this many entries in all the decoded manifests kept, but for the two most recently
     * used, kept whatever their size. Each is decoded apart, sharing nothing: an 80,000-file
     * manifest takes ~37 MB of heap, so eight of them were more than a node's 256 MB. Two are the
     * working set of an update (the target's ranges, and the release their references name):
     * with room for one of them only, each request decoded the other again, and an update took
     * minutes instead of a second.
     */
    static final long MAX_DECODED_ENTRIES = 250_000;
    /** The decoded manifests kept whatever the bounds: an update's target and reference. */
    static final int MIN_DECODED = 2;
    private int maxDecoded = MAX_DECODED;
    private long maxDecodedEntries = MAX_DECODED_ENTRIES;
    /** Stored patches by dataset, target and reference version: the few releases edges follow from. */
    private final Map<String, PackSlot> patchPacks = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, PackSlot> eldest) {
                    boolean drop = size() > 8;
                    if (drop && eldest.getValue().pack != null) {
                        closeQuietly(eldest.getValue().pack);
                    }
                    return drop;
                }
            });
    private static final long PACK_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(5);
    private final java.util.concurrent.atomic.LongAdder storedPatchesServed =
            new java.util.concurrent.atomic.LongAdder();
    /** When a peer last asked for something ({@link System#nanoTime()}): background work waits for a quiet moment. */
    private volatile long lastRequest = System.nanoTime();
    /** Files (and file lists) opened for a peer and not closed yet. */
    private final java.util.concurrent.atomic.AtomicInteger serving = new java.util.concurrent.atomic.AtomicInteger();
    /** See {@link #quietNanos}. */
    private static final long SERVING_GRACE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Updates under way: manifests given to a peer that held another version, less the checks that
     * came from a peer already at the version it would be given (what an edge asks right after it
     * switched). Not per peer: a count, forgotten after {@link #updateGraceNanos} with no request.
     */
    private final java.util.concurrent.atomic.AtomicInteger updating = new java.util.concurrent.atomic.AtomicInteger();
    /** See {@link #updating}. */
    private volatile long updateGraceNanos = TimeUnit.SECONDS.toNanos(10);
    private final ScheduledExecutorService poller;
    /** Watches the directories of subscribed datasets for {@code current} being replaced; null if unsupported. */
    private final java.nio.file.WatchService watcher;
    private final Map<java.nio.file.WatchKey, String> watched = new ConcurrentHashMap<>();

    /**
     * @param dataDir  the node's data directory
     * @param keyId    the shared-secret identity peers authenticate as
     * @param secret   the shared secret
     * @param datasets datasets served; empty serves every dataset under {@code dataDir}
     */
    public ReleaseService(Path dataDir, String keyId, byte[] secret, List<String> datasets) {
        this(dataDir, keyId, secret, datasets, POLL_MS);
    }

    /** Same, with the fallback poll every {@code pollMillis} (tests use a long one to exercise the watcher). */
    ReleaseService(Path dataDir, String keyId, byte[] secret, List<String> datasets, long pollMillis) {
        this.dataDir = dataDir;
        this.keyId = keyId;
        this.secret = secret == null ? null : secret.clone();
        this.datasets = List.copyOf(datasets);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "announce-poller");
            t.setDaemon(true);
            return t;
        });
        noteUnsubscribed(true); // what is current at start is not news
        poller.scheduleWithFixedDelay(this::pollAll, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        java.nio.file.WatchService w;
        try {
            w = dataDir.getFileSystem().newWatchService();
            java.nio.file.WatchService service = w;
            Thread t = new Thread(() -> watchLoop(service), "announce-watcher");
            t.setDaemon(true);
            t.start();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("no file-system watch here ({}); announcing from the poll alone", e.toString());
            w = null;
        }
        this.watcher = w;
    }

    /** Starts watching a dataset's directory (once) so that a switch of {@code current} is announced at once. */
    private void watch(String dataset) {
        if (watcher == null || watched.containsValue(dataset)) {
            return;
        }
        try {
            watched.put(dataDir.resolve(dataset).register(watcher, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
                    java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY), dataset);
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: cannot watch ({}); the poll announces its versions", dataset, e.toString());
        }
    }

    private void watchLoop(java.nio.file.WatchService service) {
        while (true) {
            java.nio.file.WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
                return;
            }
            String dataset = watched.get(key);
            boolean moved = false;
            for (java.nio.file.WatchEvent<?> ev : key.pollEvents()) {
                // the publisher renames a new link onto "current"; an overflow may hide that event
                moved |= ev.kind() == java.nio.file.StandardWatchEventKinds.OVERFLOW
                        || "current".equals(String.valueOf(ev.context()));
            }
            if (dataset != null && moved) {
                poll(dataset);
            }
            if (!key.reset()) {
                watched.remove(key);
            }
        }
    }

    /**
     * Nanoseconds since a peer last asked this node for a manifest, a file or files, since the
     * last file being served was done with, or since a new version was announced to subscribers;
     * 0 while a file is being served (a long answer is one request), unless nothing was asked for
     * {@link #SERVING_GRACE_NANOS} (a source never closed does not hold background work off for
     * good); 0 too while an update is under way (see {@link #updateGrace}).
     */
    public long quietNanos() {
        long since = System.nanoTime() - lastRequest;
        if (serving.get() > 0 && since < SERVING_GRACE_NANOS) {
            return 0;
        }
        if (updating.get() > 0) {
            if (since < updateGraceNanos) {
                return 0;
            }
            updating.set(0); // a peer that stopped half-way, or a one-shot sync: no check will come
        }
        return since;
    }

    /**
     * How long an update under way (a manifest given to a peer that held another version, not yet
     * followed by its check at the new one) holds background work off after the last request:
     * between its requests an edge copies locally, hashes and commits, for seconds on a large
     * file, and an origin's packing beside it took CPU from it where the two share a machine.
     * Default 10 s.
     */
    public void updateGrace(java.time.Duration grace) {
        this.updateGraceNanos = grace.toNanos();
    }

    /** The decoded manifest of a retained version, from the cache the serving path keeps. */
    public Manifest decoded(String dataset, long version) throws IOException {
        try {
            return manifest(store(dataset), version);
        } catch (DatasetException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> secret(String id) {
        if (secret == null || !MessageDigest.isEqual(id.getBytes(), keyId.getBytes())) {
            return Optional.empty();
        }
        return Optional.of(secret.clone());
    }

    @Override
    public boolean authorize(String id, String dataset) {
        return datasets.isEmpty() || datasets.contains(dataset);
    }

    private DatasetStore store(String dataset) throws DatasetException {
        DatasetStore cached = stores.get(dataset);
        if (cached != null) {
            return cached;
        }
        try {
            Manifest.validateDataset(dataset);
        } catch (IllegalArgumentException e) {
            throw new DatasetException(ErrorCode.UNKNOWN_DATASET, e.getMessage());
        }
        if (!authorize(keyId, dataset) || !Files.isDirectory(dataDir.resolve(dataset).resolve("releases"))) {
            throw new DatasetException(ErrorCode.UNKNOWN_DATASET, "no dataset " + dataset + " here");
        }
        try {
            DatasetStore s = DatasetStore.open(dataDir, dataset);
            stores.put(dataset, s);
            return s;
        } catch (IOException e) {
            throw new DatasetException(ErrorCode.INTERNAL, "dataset " + dataset + ": " + e.getMessage());
        }
    }

    /** Whether a version's manifest is decoded and kept; for tests. */
    boolean isDecoded(String dataset, long version) {
        return manifests.containsKey(dataset + "/" + version);
    }

    /** Sets the bounds of the decoded manifests kept; for tests. */
    ReleaseService decodedBounds(int manifestCount, long entries) {
        this.maxDecoded = manifestCount;
        this.maxDecodedEntries = entries;
        return this;
    }

    /** The manifest of a retained version, decoded once and kept while it is being served. */
    private Manifest manifest(DatasetStore s, long version) throws IOException {
        String key = s.dataset() + "/" + version;
        Manifest m = manifests.get(key);
        if (m == null) {
            m = s.manifest(version);
            keep(key, m);
        }
        return m;
    }

    /** {@link #rebuiltOrDecoded(DatasetStore, long)} of a dataset; for tests. */
    Manifest rebuiltOrDecoded(String dataset, long version) throws IOException, DatasetException {
        return rebuiltOrDecoded(store(dataset), version);
    }

    /**
     * The manifest of {@code version}, kept like {@link #manifest}'s: when a release it was
     * published after is decoded here (the one edges followed until now) and the publish stored
     * the delta between them, rebuilt from that release and the delta, as a following edge
     * rebuilds it; else decoded. The rebuilt manifest shares every unchanged entry with its base,
     * and its root digest is checked all the same. At 80,000 files a decode took the announcing
     * thread about a quarter of a second and 37 MB of new heap (the collector's marking followed),
     * on the two cores where the edges it had just told were rebuilding the same manifest.
     */
    private Manifest rebuiltOrDecoded(DatasetStore s, long version) throws IOException {
        String key = s.dataset() + "/" + version;
        Manifest held = manifests.get(key);
        if (held != null) {
            return held;
        }
        String prefix = s.dataset() + "/";
        List<Map.Entry<String, Manifest>> decoded;
        synchronized (manifests) {
            decoded = new java.util.ArrayList<>(manifests.entrySet());
        }
        java.util.Collections.reverse(decoded); // most recently used first
        for (Map.Entry<String, Manifest> d : decoded) {
            Manifest base = d.getValue();
            if (!d.getKey().startsWith(prefix) || base.version() >= version) {
                continue;
            }
            byte[] delta = s.readDelta(base.version(), version);
            if (delta == null) {
                continue;
            }
            try {
                byte[] baseRoot = s.rootDigest(base.version());
                if (!ManifestDelta.describes(delta, baseRoot, s.rootDigest(version))) {
                    continue;
                }
                Manifest m = ManifestDelta.applyEncoded(base, s.manifestBytes(base.version()), baseRoot, delta,
                        ManifestLimits.DEFAULT).manifest();
                keep(key, m);
                return m;
            } catch (IOException | RuntimeException e) { // ManifestFormatException is an IOException
                LOG.debug("{} v{}: not rebuilt from v{} ({}); decoding it", s.dataset(), version, base.version(),
                        e.toString());
            }
        }
        return manifest(s, version);
    }

    /** Keeps a decoded manifest, dropping the least recently used beyond the bounds. */
    private void keep(String key, Manifest m) {
        synchronized (manifests) {
            manifests.put(key, m);
            long held = 0;
            for (Manifest k : manifests.values()) {
                held += k.entries().size();
            }
            var it = manifests.entrySet().iterator();
            while (manifests.size() > MIN_DECODED && (manifests.size() > maxDecoded || held > maxDecodedEntries)
                    && it.hasNext()) {
                Map.Entry<String, Manifest> e = it.next();
                if (!e.getKey().equals(key)) {
                    held -= e.getValue().entries().size();
                    it.remove();
                }
            }
        }
    }

    @Override
    public ManifestStream openManifest(String dataset, long version, long haveVersion) throws DatasetException {
        lastRequest = System.nanoTime();
        DatasetStore s = store(dataset);
        try {
            long v = version;
            if (v == 0) {
                OptionalLong cur = s.current();
                if (cur.isEmpty()) {
                    throw new DatasetException(ErrorCode.VERSION_MISMATCH, dataset + " has no version yet");
                }
                v = cur.getAsLong();
            }
            if (!s.versions().contains(v)) {
                throw new DatasetException(ErrorCode.VERSION_MISMATCH, dataset + " v" + v + " is not retained here");
            }
            byte[] root = s.rootDigest(v); // recorded beside the manifest at commit
            if (haveVersion == v) {
                updating.updateAndGet(n -> Math.max(0, n - 1)); // a peer at v checking: its update is done
            } else {
                updating.updateAndGet(n -> n < Integer.MAX_VALUE ? n + 1 : n);
            }
            ManifestSignature sig = signature(s, v);
            byte[] body = null;
            ManifestKind kind = ManifestKind.FULL;
            if (deltaCache.size() > 64) {
                deltaCache.clear();
            }
            if (haveVersion > 0 && s.versions().contains(haveVersion)) { // same version: an empty delta
                long target = v;
                body = deltaCache.computeIfAbsent(dataset + "/" + haveVersion + "/" + v + "/" + Bytes32.of(root), k -> {
                    try {
                        byte[] haveRoot = s.rootDigest(haveVersion);
                        byte[] stored = s.readDelta(haveVersion, target); // made by the publish
                        if (ManifestDelta.describes(stored, haveRoot, root)) {
                            return stored;
                        }
                        return ManifestDelta.encode(manifest(s, haveVersion), haveRoot, manifest(s, target), root);
                    } catch (IOException e) {
                        return null;
                    }
                });
                if (body != null && body.length < s.manifestSize(v)) {
                    kind = ManifestKind.DELTA;
                } else {
                    body = null;
                }
            }
            // The envelope (compressed once, LZ4 HC) is what every edge asking the same gets: a full
            // manifest goes to a cold edge or one too far behind, a delta to each following edge.
            byte[] delta = body;
            long target = v;
            String key = dataset + "/" + (delta == null ? 0 : haveVersion) + "/" + v + "/" + Bytes32.of(root) + "/"
                    + (sig == null ? 0 : sig.toText().hashCode());
            Map<String, byte[]> cache = delta == null ? fullPayloads : deltaPayloads;
            if (cache.size() > (delta == null ? 4 : 64)) {
                cache.clear();
            }
            byte[] payload = cache.computeIfAbsent(key, k -> {
                try {
                    byte[] stored = delta == null ? storedEnvelope(s, target, root, sig) : null;
                    if (stored != null) {
                        return stored;
                    }
                    return new ManifestEnvelope(sig, delta != null ? delta : s.manifestBytes(target)).encode();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return new ManifestStream(kind, v, payload.length, Bytes32.of(root), new ByteArrayInputStream(payload));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DatasetException(ErrorCode.INTERNAL, dataset + ": " + e.getMessage());
        }
    }

    /**
     * The envelope {@code delta publish} stored for release {@code v} ({@link DatasetStore#writeEnvelope}),
     * if it holds the manifest of root digest {@code root} and the signature served now; else
     * null (none, damaged, or signed since), and the caller compresses the manifest itself. The
     * check costs a decompression and a SHA-256 of the manifest; compressing it took 300 ms of
     * LZ4 HC at 80,000 files on a cold edge's first request (its wait for the manifest fell from
     * 0.89-0.94 s to 0.47-0.50 s, session 15).
     */
    static byte[] storedEnvelope(DatasetStore s, long v, byte[] root, ManifestSignature sig) {
        try {
            byte[] stored = s.readEnvelope(v);
            if (stored == null) {
                return null;
            }
            ManifestEnvelope env = ManifestEnvelope.decode(stored);
            String had = env.signature() == null ? null : env.signature().toText();
            if (java.util.Objects.equals(had, sig == null ? null : sig.toText())
                    && MessageDigest.isEqual(ManifestCodec.rootDigest(env.body()), root)) {
                return stored;
            }
            LOG.warn("{} v{}: the stored manifest envelope does not match the release; compressing it anew",
                    s.dataset(), v);
        } catch (IOException | RuntimeException e) { // ManifestFormatException is an IOException
            LOG.warn("{} v{}: the stored manifest envelope cannot be used ({}); compressing it anew", s.dataset(), v,
                    e.getMessage());
        }
        return null;
    }

    /**
     * Stores the full manifest's envelope of {@code dataset}'s release {@code v} as a cold edge
     * will be sent it ({@link DatasetStore#writeEnvelope}), unless one that matches the release
     * and its signature is stored already. An origin node does this while idle for an update
     * published while it served the dataset: that publish leaves it to the node, so that the
     * LZ4 HC of the manifest does not take CPU from the edges following the update.
     *
     * @return whether an envelope was written
     */
    public boolean storeEnvelope(String dataset, long v) throws IOException {
        DatasetStore s;
        try {
            s = store(dataset);
        } catch (DatasetException e) {
            throw new IOException(e.getMessage(), e);
        }
        byte[] root = s.rootDigest(v);
        ManifestSignature sig = signature(s, v);
        if (storedEnvelope(s, v, root, sig) != null) {
            return false;
        }
        s.writeEnvelope(v, new ManifestEnvelope(sig, s.manifestBytes(v)).encode());
        return true;
    }

    private static ManifestSignature signature(DatasetStore s, long v) throws IOException {
        Path f = s.signatureFile(v);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            return ManifestSignature.read(f);
        } catch (dev.delta.engine.manifest.ManifestSignatureException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    @Override
    public RangeSource openFile(String dataset, long version, String path) throws DatasetException {
        return open(dataset, version, path, true);
    }

    /** A reference is only read from, a window at a time: its packed copy is of no use. */
    @Override
    public RangeSource openReference(String dataset, long version, String path) throws DatasetException {
        return open(dataset, version, path, false);
    }

    private RangeSource open(String dataset, long version, String path, boolean withPacked) throws DatasetException {
        lastRequest = System.nanoTime();
        DatasetStore s = store(dataset);
        if (!ManifestPath.isValid(path)) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "invalid path " + ManifestPath.quote(path));
        }
        Entry e;
        try {
            if (!Files.isDirectory(s.releaseDir(version), LinkOption.NOFOLLOW_LINKS)) {
                throw new DatasetException(ErrorCode.VERSION_MISMATCH, dataset + " v" + version + " is not retained here");
            }
            e = manifest(s, version).get(path);
        } catch (IOException ex) {
            throw new DatasetException(ErrorCode.INTERNAL, dataset + ": " + ex.getMessage());
        }
        if (e == null || !e.isFile()) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "no file " + ManifestPath.quote(path) + " in " + dataset
                    + " v" + version);
        }
        // The manifest vouches for the path (no '..', every parent a directory), so the release's
        // own tree holds it; NOFOLLOW_LINKS guards the last component as well.
        Path file = s.releaseDir(version).resolve(path);
        long size = e.size();
        // the content's LZ4 HC blocks, compressed once at publish, when this node has them
        PackedBlocks.Reader packed = withPacked ? new PackedBlocks(s.root()).open(e.sha256(), size) : null;
        if (packed == null) {
            try {
                return served(new ReleaseFile(file, size, FileChannel.open(file, StandardOpenOption.READ,
                        LinkOption.NOFOLLOW_LINKS), null, patches(s, version, e)));
            } catch (IOException ex) {
                throw new DatasetException(ErrorCode.INTERNAL, "cannot open " + path + " of " + dataset + " v"
                        + version + ": " + ex.getMessage());
            }
        }
        // Opened only if a range is not served from the packed blocks (a small file's never is).
        return served(new ReleaseFile(file, size, null, packed, patches(s, version, e)));
    }

    /** Most bytes one GET_FILES may name: a group is at most 128 KiB; a few MiB leaves room for other groupings. */
    static final long MAX_FILES_BYTES = 16L << 20;

    /**
     * Several whole files of a version, named by their positions in its manifest, as one source:
     * the group's LZ4 HC block when they are exactly a group packed at publish ({@link FileGroups}),
     * the files one after the other otherwise (then compressed on the fly).
     */
    @Override
    public RangeSource openFiles(String dataset, long version, int[] files) throws DatasetException {
        lastRequest = System.nanoTime();
        DatasetStore s = store(dataset);
        Manifest m;
        try {
            if (!Files.isDirectory(s.releaseDir(version), LinkOption.NOFOLLOW_LINKS)) {
                throw new DatasetException(ErrorCode.VERSION_MISMATCH, dataset + " v" + version + " is not retained here");
            }
            m = manifest(s, version);
        } catch (IOException ex) {
            throw new DatasetException(ErrorCode.INTERNAL, dataset + ": " + ex.getMessage());
        }
        List<Entry> entries = m.entries();
        Path[] paths = new Path[files.length];
        long[] starts = new long[files.length + 1];
        for (int i = 0; i < files.length; i++) {
            int f = files[i];
            Entry e = f >= 0 && f < entries.size() ? entries.get(f) : null;
            if (e == null || !e.isFile()) {
                throw new DatasetException(ErrorCode.NOT_FOUND, "no file at position " + f + " of " + dataset + " v"
                        + version + "'s manifest");
            }
            // The manifest vouches for the path; NOFOLLOW_LINKS guards the last component when opened.
            paths[i] = s.releaseDir(version).resolve(e.path());
            starts[i + 1] = starts[i] + e.size();
            if (starts[i + 1] > MAX_FILES_BYTES) {
                throw new DatasetException(ErrorCode.LIMIT_EXCEEDED, "the files asked for at once exceed "
                        + MAX_FILES_BYTES + " bytes");
            }
        }
        long total = starts[files.length];
        PackedBlocks.Reader packed = total > 0 && total <= FileGroups.MAX_GROUP
                ? new PackedBlocks(s.root()).open(FileGroups.key(m, files), total) : null;
        return served(new FileSequence(paths, starts, packed));
    }

    /**
     * Bytes served from their packed blocks where there are some ({@code packed}, may be null) and
     * read through {@code ch} otherwise: pieces are cut along the blocks, and a stored block goes
     * as it is (a damaged one is not used: the plain bytes are read instead).
     */
    abstract static class PackedSource implements RangeSource {
        final PackedBlocks.Reader packed;
        FileChannel ch;
        /** Run once, at the first close: the service's count of sources being served. */
        private Runnable onClose;

        PackedSource(PackedBlocks.Reader packed, FileChannel ch) {
            this.packed = packed;
            this.ch = ch;
        }

        @Override
        public int pieceLength(long offset, int max) {
            return packed == null ? max : packed.pieceLength(offset, max);
        }

        @Override
        public int precompressedLength(long offset, int length) {
            return packed == null ? -1 : packed.blockLength(offset, length);
        }

        @Override
        public ByteBuffer precompressed(long offset, int length) {
            if (packed == null) {
                return null;
            }
            try {
                return packed.block(offset, length);
            } catch (IOException ex) {
                return null; // the plain bytes serve it
            }
        }

        @Override
        public ByteBuf precompressed(ByteBufAllocator alloc, long offset, int length) {
            if (packed == null) {
                return null;
            }
            try {
                return packed.block(alloc, offset, length);
            } catch (IOException ex) {
                return null; // the plain bytes serve it
            }
        }

        @Override
        public void close() throws IOException {
            Runnable r = onClose;
            onClose = null;
            try {
                if (ch != null) {
                    ch.close();
                }
            } finally {
                try {
                    if (packed != null) {
                        packed.close();
                    }
                } finally {
                    if (r != null) {
                        r.run();
                    }
                }
            }
        }
    }

    /** Counts {@code s} as being served until it is closed (see {@link #quietNanos}). */
    private PackedSource served(PackedSource s) {
        serving.incrementAndGet();
        s.onClose = () -> {
            lastRequest = System.nanoTime(); // the quiet time starts when the last answer is done
            serving.decrementAndGet();
        };
        return s;
    }

    /** Files one after the other as a {@link RangeSource}; one of them open at a time. */
    static final class FileSequence extends PackedSource {
        private final Path[] paths;
        private final long[] starts;
        private int open = -1;

        FileSequence(Path[] paths, long[] starts, PackedBlocks.Reader packed) {
            super(packed, null);
            this.paths = paths;
            this.starts = starts;
        }

        @Override
        public long size() {
            return starts[paths.length];
        }

        @Override
        public int read(long offset, ByteBuffer dst) throws IOException {
            if (offset >= size()) {
                return -1;
            }
            int i = java.util.Arrays.binarySearch(starts, offset);
            i = i >= 0 ? i : -i - 2;
            while (starts[i + 1] == offset) { // empty files
                i++;
            }
            if (open != i) {
                open = -1;
                if (ch != null) {
                    ch.close();
                    ch = null;
                }
                ch = FileChannel.open(paths[i], StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                open = i;
            }
            long within = offset - starts[i];
            int want = (int) Math.min(dst.remaining(), starts[i + 1] - offset);
            ByteBuffer part = dst.duplicate();
            part.limit(part.position() + want);
            int n = ch.read(part, within);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
    }

    /**
     * Where a release file's stored patches are looked up: its version and content, and the
     * service's packs of the dataset.
     */
    record Patches(ReleaseService service, DatasetStore store, long version, byte[] sha256) {
        StoredPatch find(Patches reference, long offset, int length, long windowOffset, int windowLength) {
            PatchPack p = service.patchPack(store, version, reference.version);
            return p == null ? null : p.find(sha256, reference.sha256, offset, length, windowOffset, windowLength);
        }
    }

    private Patches patches(DatasetStore s, long version, Entry e) {
        return new Patches(this, s, version, e.sha256());
    }

    /** Pieces served as patches stored at publish ({@link PatchPack}) since the service started. */
    public long storedPatchesServed() {
        return storedPatchesServed.sum();
    }

    /**
     * The patches stored from release {@code from} to {@code to} ({@link PatchPack}), read once and
     * kept; null when there are none (looked for again after a few seconds) or they are damaged.
     */
    PatchPack patchPack(DatasetStore s, long to, long from) {
        String key = s.dataset() + "/" + to + "/" + from;
        PackSlot slot = patchPacks.get(key);
        long now = System.nanoTime();
        if (slot == null || (slot.pack == null && now - slot.lookedAt > PACK_RECHECK_NANOS)) {
            PatchPack p = null;
            try {
                p = PatchPack.open(s.patchFile(from, to));
                if (p != null) {
                    LOG.info("{}: {} patches stored for edges at v{} moving to v{}", s.dataset(), p.size(), from, to);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: stored patches v{} -> v{} not used: {}", s.dataset(), from, to, e.getMessage());
            }
            slot = new PackSlot(p, now);
            PackSlot before = patchPacks.put(key, slot);
            if (before != null && before.pack != null) {
                closeQuietly(before.pack);
            }
        }
        return slot.pack;
    }

    private record PackSlot(PatchPack pack, long lookedAt) {
    }

    private static void closeQuietly(PatchPack p) {
        try {
            p.close();
        } catch (IOException e) {
            // only read from
        }
    }

    /** A release file as a {@link RangeSource}: its packed blocks where it has them, the file itself otherwise. */
    static final class ReleaseFile extends PackedSource {
        private final Path file;
        private final long size;
        private final Patches patches;

        ReleaseFile(Path file, long size, FileChannel ch, PackedBlocks.Reader packed, Patches patches) {
            super(packed, ch);
            this.file = file;
            this.size = size;
            this.patches = patches;
        }

        @Override
        public StoredPatch storedPatch(long offset, int length, RangeSource reference, long windowOffset,
                                       int windowLength) {
            if (patches == null || !(reference instanceof ReleaseFile ref) || ref.patches == null) {
                return null;
            }
            StoredPatch p = patches.find(ref.patches, offset, length, windowOffset, windowLength);
            if (p != null) {
                patches.service.storedPatchesServed.increment();
            }
            return p;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public int read(long offset, ByteBuffer dst) throws IOException {
            if (ch == null) {
                ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            return ch.read(dst, offset);
        }

        /** Whether the release file itself was opened, for tests. */
        boolean fileOpened() {
            return ch != null;
        }
    }

    @Override
    public AutoCloseable subscribe(String dataset, AnnounceListener listener) throws DatasetException {
        DatasetStore s;
        try {
            s = store(dataset);
        } catch (DatasetException e) {
            if (e.code() != ErrorCode.UNKNOWN_DATASET || !servable(dataset)) {
                throw e;
            }
            // A dataset this node would serve but holds nothing of yet: an edge set up before the
            // origin's first publish waits on its subscription, and the poll announces v1 when it
            // comes (without it, the edge retried with a backoff of up to 15 s and found v1 late).
            s = null;
        }
        listeners.compute(dataset, (k, ls) -> { // atomic with the removal below, which drops an empty list
            List<AnnounceListener> l = ls != null ? ls : new CopyOnWriteArrayList<>();
            l.add(listener);
            return l;
        });
        if (s != null) {
            watch(dataset);
            try {
                OptionalLong cur = s.current();
                if (cur.isPresent()) {
                    listener.announce(dataset, cur.getAsLong(), Bytes32.of(s.rootDigest(cur.getAsLong())));
                    announced.putIfAbsent(dataset, cur.getAsLong());
                }
            } catch (IOException e) {
                LOG.warn("{}: cannot announce the current version: {}", dataset, e.toString());
            }
        }
        return () -> listeners.computeIfPresent(dataset, (k, ls) -> {
            ls.remove(listener);
            return ls.isEmpty() ? null : ls; // a name no one waits on any more is not polled
        });
    }

    /** Whether this node would serve {@code dataset} once it exists: a valid name its key may read. */
    private boolean servable(String dataset) {
        return Manifest.isValidDataset(dataset) && authorize(keyId, dataset);
    }

    /**
     * Announces {@code dataset}'s current version to its subscribers if it moved. Serialized: the
     * watcher and the poll never announce two versions out of order.
     */
    public synchronized void poll(String dataset) {
        List<AnnounceListener> ls = listeners.get(dataset);
        if (ls == null || ls.isEmpty()) {
            return;
        }
        try {
            if (!Files.isDirectory(dataDir.resolve(dataset).resolve("releases"), LinkOption.NOFOLLOW_LINKS)) {
                return; // subscribed before its first publish: nothing to announce, and nothing made here
            }
            DatasetStore s = store(dataset);
            watch(dataset);
            OptionalLong cur = s.current();
            if (cur.isEmpty()) {
                return;
            }
            long v = cur.getAsLong();
            Long last = announced.put(dataset, v);
            if (last != null && last == v) {
                return;
            }
            Bytes32 root = Bytes32.of(s.rootDigest(v));
            // Its subscribers ask for the manifest at once, and their update begins: the quiet time
            // restarts here, so that background work (the packer) does not start in the moment
            // between the switch and their first request.
            lastRequest = System.nanoTime();
            LOG.info("{}: announcing v{} to {} subscriber(s)", dataset, v, ls.size());
            for (AnnounceListener l : ls) {
                l.announce(dataset, v, root);
            }
            prepareManifest(s, v);
        } catch (IOException | DatasetException | RuntimeException e) {
            LOG.warn("{}: announce failed: {}", dataset, e.toString());
        }
    }

    /**
     * Decodes a version just announced, here rather than on the I/O thread of the first range
     * request for it: its subscribers fetch the manifest (sent as stored, not decoded) and plan
     * before they ask for ranges, and a big file's chunk list takes a while to decode. Its index by
     * path is built here too: the first request looks a path up, and for 50,000 entries building
     * that map took the I/O thread tens of milliseconds while the edges waited.
     */
    private void prepareManifest(DatasetStore s, long version) {
        try {
            rebuiltOrDecoded(s, version).indexPaths();
            for (long from : s.versions()) { // the patches stored for edges that follow, read now too
                if (from < version) {
                    patchPack(s, version, from);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{} v{}: not decoded ahead: {}", s.dataset(), version, e.toString());
        }
    }

    private void pollAll() {
        for (String d : listeners.keySet()) {
            poll(d);
        }
        noteUnsubscribed(false);
    }

    /**
     * The current version last seen of each dataset no edge subscribes to: a publish with no edge
     * connected still gets its line in this node's log (the announce is logged only when there is
     * someone to announce to).
     */
    private final Map<String, Long> unsubscribedCurrent = new ConcurrentHashMap<>();

    /** Notes (and logs, unless {@code quietly}) a dataset without subscribers whose current version moved. */
    private void noteUnsubscribed(boolean quietly) {
        for (String d : servedDatasets()) {
            List<AnnounceListener> ls = listeners.get(d);
            if (ls != null && !ls.isEmpty()) {
                unsubscribedCurrent.remove(d);
                continue;
            }
            long v = currentVersion(d);
            if (v <= 0) {
                continue;
            }
            Long before = unsubscribedCurrent.put(d, v);
            if (!quietly && (before == null || before != v)) {
                LOG.info("{}: v{} is current; no edge is subscribed to announce it to", d, v);
            }
        }
    }

    /** The datasets this node serves: those configured, or every directory with a {@code current} link. */
    private List<String> servedDatasets() {
        if (!datasets.isEmpty()) {
            return datasets;
        }
        List<String> out = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir)) {
            for (Path p : ds) {
                if (Files.isSymbolicLink(p.resolve("current"))) {
                    out.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            // no data directory yet: nothing published
        }
        return out;
    }

    /** The version {@code current} of {@code dataset} points at, or 0 (none, or not readable as one). */
    private long currentVersion(String dataset) {
        try {
            return DatasetStore.peekCurrent(dataDir, dataset).orElse(0);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The current version last noted of a dataset nobody subscribes to, or 0; for tests. */
    long unsubscribedCurrent(String dataset) {
        return unsubscribedCurrent.getOrDefault(dataset, 0L);
    }

    @Override
    public void close() {
        poller.shutdownNow();
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the watcher: {}", e.toString());
            }
        }
    }
}
