package dev.delta.node.origin;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSigner;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.scan.FileStateCache;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanProblem;
import dev.delta.engine.scan.ScanProgress;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import dev.delta.engine.store.ChunkMismatchException;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.FileSystemSync;
import dev.delta.engine.store.FetchRange;
import dev.delta.engine.store.ReleaseBuilder;
import dev.delta.engine.store.StoreException;
import dev.delta.engine.plan.FileGroups;
import dev.delta.node.release.ManifestEnvelope;
import dev.delta.node.release.PackedBlocks;
import dev.delta.node.release.ServingLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes a source directory as the next version of a dataset: scan (incrementally, with the
 * dataset's file-state cache), compare with the current version (an unchanged tree creates
 * nothing), build release vN+1 — unchanged files hard-linked, every chunk already held copied
 * locally, new bytes read from the source and checked against the scan's chunk ids — sign the
 * manifest if a key is given, switch {@code current}, prune, and leave a note for a running node
 * to announce.
 */
public final class Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    private static final int ATTEMPTS = 3;

    private final Path dataDir;
    private final String dataset;
    private ChunkerParams chunker = ChunkerParams.REPLICATION;
    private List<String> ignore = List.of();
    private int retention = 5;
    private KeyPair signingKey;
    private boolean allowUnsigned;
    private ScanProgress progress = ScanProgress.NONE;
    private boolean scratch;

    public Publisher(Path dataDir, String dataset) {
        this.dataDir = dataDir;
        this.dataset = Manifest.validateDataset(dataset);
    }

    public Publisher chunker(ChunkerParams p) {
        this.chunker = p;
        return this;
    }

    public Publisher ignore(List<String> patterns) {
        this.ignore = List.copyOf(patterns);
        return this;
    }

    public Publisher retention(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("retention must keep at least 1 release, got " + keep);
        }
        this.retention = keep;
        return this;
    }

    public Publisher signWith(KeyPair keys) {
        this.signingKey = keys;
        return this;
    }

    /**
     * Whether a version may be published unsigned when the current one is signed (default: no,
     * the publish is refused: edges that trust the key would refuse the new version). For an
     * origin that stops signing on purpose.
     */
    public Publisher allowUnsigned(boolean allow) {
        this.allowUnsigned = allow;
        return this;
    }

    /**
     * Publishes a throwaway dataset (a node's warm-up): without the file-state cache (every file
     * is read at every publish) and without the LZ4 HC copies of the content (served compressed
     * on the fly instead), which would cost more than they save.
     */
    public Publisher scratch() {
        this.scratch = true;
        return this;
    }

    public Publisher progress(ScanProgress p) {
        this.progress = p;
        return this;
    }

    /** Publishes {@code source}; retries when files change while they are being published. */
    public PublishResult publish(Path source) throws IOException {
        Path src = source.toRealPath();
        Path data = dataDir.toAbsolutePath().normalize();
        if (Files.exists(data)) {
            data = data.toRealPath();
        }
        if (data.startsWith(src)) {
            // Each release would hold the store, the releases before it included, again and again.
            throw new StoreException("the data directory " + dataDir + " is inside the source " + source
                    + ": publishing would copy the store into every release; keep the data directory outside the"
                    + " tree you publish");
        }
        DatasetStore store = DatasetStore.open(dataDir, dataset);
        try (DatasetStore.Lock lock = store.lock()) {
            // Chronicle Map starts on its own thread while the first scan walks the source.
            Path cacheDir = store.root().resolve(".delta/filestate");
            CompletableFuture<FileStateCache> cache = !scratch ? FileStateCache.openInBackground(cacheDir, 1024)
                    : CompletableFuture.completedFuture(FileStateCache.disabled());
            try {
                dropUnswitched(store);
                return publishWithRetries(store, cacheDir, cache, source);
            } finally {
                cache.join().close();
            }
        }
    }

    private PublishResult publishWithRetries(DatasetStore store, Path cacheDir, CompletableFuture<FileStateCache> cache,
                                             Path source) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return publishOnce(store, cacheDir, cache, source);
            } catch (ChunkMismatchException e) {
                if (attempt == ATTEMPTS) {
                    throw new StoreException("source files keep changing during publish (" + e.getMessage()
                            + "); gave up after " + ATTEMPTS + " attempts", e);
                }
                LOG.warn("a source file changed during publish ({}); scanning again", e.getMessage());
            }
        }
    }

    private PublishResult publishOnce(DatasetStore store, Path cacheDir, CompletableFuture<FileStateCache> cache,
                                      Path source) throws IOException {
        long t0 = System.nanoTime();
        OptionalLong cur = store.current();
        OptionalLong latest = store.latest();
        long next = latest.isPresent() ? latest.getAsLong() + 1 : 1;
        Manifest prev = cur.isPresent() ? store.manifest(cur.getAsLong()) : null;
        ScanResult scan = new Scanner(ScanOptions.builder(dataset).version(next)
                .parentVersion(cur.isPresent() ? cur.getAsLong() : 0).chunker(chunker).excludes(ignore)
                .cache(cacheDir, cache).progress(progress).build()).scan(source.toRealPath());
        if (!scan.isComplete()) {
            StringBuilder sb = new StringBuilder("cannot publish: " + scan.problems().size()
                    + " path(s) of the source could not be read:");
            for (ScanProblem p : scan.problems().subList(0, Math.min(10, scan.problems().size()))) {
                sb.append("\n  ").append(p);
            }
            if (scan.problems().size() > 10) {
                sb.append("\n  ... and ").append(scan.problems().size() - 10).append(" more");
            }
            throw new StoreException(sb.toString());
        }
        Manifest m = scan.manifest();
        ManifestCodec codec = new ManifestCodec();
        if (sameContent(prev, m)) {
            return unchanged(store, prev, t0);
        }
        requireKeyIfSigned(store, cur, next);
        byte[] encoded = codec.encode(m);
        ReleaseBuilder b = ReleaseBuilder.start(store, m, encoded);
        b.prepareLocal();
        Path src = source.toRealPath();
        long fresh = 0;
        for (FetchRange r : b.pending()) {
            b.accept(r, read(src, r));
            fresh += r.length();
        }
        // The source is read: the scan cache is done with. Closed here, not after the switch, where
        // sealing its map and writing its snapshot (16 MB at 80,000 files: a quarter of a second of
        // a core, and the collector's work behind it) took a core from the edges that follow.
        cache.join().close();
        // A signature left by a release of this number that never went live (removed, but not all
        // of it) must not pass for this one's: refused here, before the commit, if it stays.
        Files.deleteIfExists(store.signatureFile(m.version()));
        store.markSwitchPending(m.version());
        byte[] root = ManifestCodec.rootDigest(encoded);
        ManifestSignature sig = null;
        try {
            b.commit(false);
            if (signingKey != null) {
                sig = ManifestSigner.sign(root, signingKey);
                store.writeSignature(m.version(), sig.toText());
            }
            if (prev == null) { // every edge of a first release is cold: ready before they are told
                storeEnvelope(store, m, sig, encoded);
            }
            storeDelta(store, prev, m, root);
            storePatches(store, prev, m);
            // Packed and signed before current moves: the announcement reaches edges only once what
            // they will fetch is ready to serve in its compressed form.
            if (!scratch) {
                pack(store, m, e -> isNewPath(prev, e.path()), "new content");
                packGroups(store, m, newPathsOnly(prev, m), "small files in groups of new paths");
            }
            flushToDisk(store, m.version());
            store.switchTo(m.version());
        } catch (IOException | RuntimeException e) {
            dropUnswitched(store, e);
            throw e;
        }
        switched(store);
        boolean signed = sig != null;
        // After the switch: what only cold edges need (see storeEnvelope, pack and packGroups):
        // following edges get a delta and patches; a cold one meanwhile gets the manifest
        // compressed anew. A node serving the dataset does it once idle, else the publish here.
        if (prev != null && ServingLock.isHeld(store.root())) {
            LOG.info("{}: the serving node stores the manifest envelope and packs the updated files and the other "
                    + "groups of small files of v{} once it is idle", dataset, m.version());
        } else if (prev != null && !scratch) { // a first release had everything stored and packed before the switch
            storeEnvelope(store, m, sig, encoded);
            pack(store, m, e -> true, "updated files' content");
            packGroups(store, m, g -> true, "small files in new groups");
        }
        List<Long> pruned = pruneAfterSwitch(store, m.version());
        if (!pruned.isEmpty()) {
            LOG.info("{}: pruned releases {}", dataset, pruned);
            dropUnusedPacks(store);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("{}: published v{} ({} files, {} bytes, {} new) in {} ms", dataset, m.version(), m.fileCount(),
                m.totalBytes(), fresh, ms);
        return new PublishResult(m.version(), true, b.plan().diff(), m.totalBytes(), fresh, Sha256.hex(root), signed,
                false, ms);
    }

    /**
     * Stores the manifest as a node sends it to a cold edge (compressed, with its signature), so
     * that the node does not compress it on the first request: 300 ms of LZ4 HC at 80,000 files,
     * on that edge's critical path. Before the switch only for a first release. For an update,
     * whose following edges get a delta, after it, and only when no node serves the dataset: a
     * serving node stores it once idle ({@link IdlePacker}), since here it took a core from
     * the following edges for 0.75 s at 80,000 files (one machine, session 16). An
     * optimization: a failure is logged, and the node compresses the manifest when asked.
     */
    private void storeEnvelope(DatasetStore store, Manifest m, ManifestSignature sig, byte[] encoded) {
        try {
            store.writeEnvelope(m.version(), new ManifestEnvelope(sig, encoded).encode());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not store the manifest envelope of v{}: {}", dataset, m.version(), e.toString());
        }
    }

    /**
     * Stores the manifest delta from the previous current release, the one edges that followed
     * it will ask for first, so that a node serves it without computing it (an optimization: a
     * failure is logged, and the node computes the delta when asked).
     */
    private void storeDelta(DatasetStore store, Manifest prev, Manifest m, byte[] root) {
        if (prev == null) {
            return;
        }
        try {
            store.writeDelta(prev.version(), m.version(),
                    ManifestDelta.encode(prev, store.rootDigest(prev.version()), m, root));
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not store the manifest delta v{} -> v{}: {}", dataset, prev.version(), m.version(),
                    e.toString());
        }
    }

    /**
     * Computes the patches that edges holding the previous release will ask for
     * ({@link FollowerPatches}), before the switch, so that the node serves them as stored. Only
     * an optimization: a failure is logged, and the node patches each piece when it is asked for.
     */
    private void storePatches(DatasetStore store, Manifest prev, Manifest m) {
        if (prev == null) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            // Every retained release but the new one, newest first and one at a time, as an edge
            // indexes them: all of them decoded at once (~37 MB each at 80,000 files) ran a 1 GB
            // publish out of memory at 30 retained releases.
            FollowerPatches.Result r = FollowerPatches.compute(store, prev, m,
                    store.chunkIndex(prev, v -> null, v -> v != m.version()));
            LOG.info("{}: patches from v{} stored: {} pieces of {} files, {} bytes for {} bytes of content, in {} ms",
                    dataset, prev.version(), r.pieces(), r.files(), r.patchBytes(), r.pieceBytes(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not store the patches v{} -> v{} (the node makes them when asked): {}", dataset,
                    prev.version(), m.version(), e.toString());
        }
    }

    /**
     * Compresses the new release's content that {@code which} accepts and no earlier release had,
     * once, in LZ4 HC, for every edge to be served ({@link PackedBlocks}). Before the switch: the
     * files at paths new to this release (every file of a first release), which following edges
     * fetch whole. A file that was at its path before reaches following edges as patches against
     * their old copy; its packed copy serves cold edges, so it comes after the switch like the
     * groups (see {@link #packGroups}): a 2% update of a 482 MiB tar took 19 s of LZ4 HC before
     * the switch. Only an optimization: a failure is logged and the release stands.
     */
    private void pack(DatasetStore store, Manifest m, java.util.function.Predicate<Entry> which, String what) {
        packStep(store, m, (packs, man, dir, threads) -> packs.packRelease(man, dir, threads, which, () -> { }), what,
                "v" + m.version() + " for serving");
    }

    /** Whether {@code path} held no file with content in {@code prev} (or there is no prev). */
    private static boolean isNewPath(Manifest prev, String path) {
        if (prev == null) {
            return true;
        }
        Entry old = prev.get(path);
        return old == null || !old.isFile() || old.size() == 0;
    }

    /**
     * Compresses the new release's groups of small files ({@link PackedBlocks#packGroups}) that
     * {@code which} accepts and no earlier release had. Groups serve edges that lack every file of
     * one: cold edges, and new directories. A following edge's update needs the new contents'
     * blocks and the groups of paths that are all new (both packed before the switch), and none of
     * the groups a changed file sits in; a 2% release changes about half of a source tree's groups
     * (seconds of LZ4 HC at 80k files). So those come after the switch: here when no node serves
     * the dataset, else from that node once it is idle ({@link IdlePacker}), so that they never
     * take CPU from the edges it is serving. Until a group is packed, a request for it is served
     * compressed on the fly. Only an optimization: a failure is logged.
     */
    private void packGroups(DatasetStore store, Manifest m, java.util.function.Predicate<int[]> which, String what) {
        packStep(store, m, (packs, man, dir, threads) -> packs.packGroups(man, dir, threads, which, () -> { }), what,
                "the groups of v" + m.version());
    }

    /** The groups whose files are all paths {@code prev} does not have (every group when there is no prev). */
    private static java.util.function.Predicate<int[]> newPathsOnly(Manifest prev, Manifest m) {
        if (prev == null) {
            return g -> true;
        }
        return g -> {
            for (int i : g) {
                if (!isNewPath(prev, m.entries().get(i).path())) {
                    return false;
                }
            }
            return true;
        };
    }

    /** One way of packing a committed release on all cores; returns the bytes packed. */
    private interface Packing {
        long pack(PackedBlocks packs, Manifest m, Path releaseDir, int threads) throws IOException;
    }

    /**
     * Writes the new release (its files, packed copies, manifest and patches) to disk before
     * {@code current} moves to it ({@link FileSystemSync}): a power cut after the switch finds it
     * whole, and the edges told about it do not copy it while the kernel writes it back.
     */
    private void flushToDisk(DatasetStore store, long version) throws IOException {
        long t0 = System.nanoTime();
        FileSystemSync.flush(store.root());
        LOG.info("{}: v{} written to disk in {} ms", dataset, version, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Runs one packing step, timed and logged; a failure is logged only (edges get it compressed on the fly). */
    private void packStep(DatasetStore store, Manifest m, Packing step, String what, String of) {
        long t0 = System.nanoTime();
        try {
            long bytes = step.pack(new PackedBlocks(store.root()), m, store.releaseDir(m.version()),
                    Runtime.getRuntime().availableProcessors());
            if (bytes > 0) {
                LOG.info("{}: packed {} bytes of {} (LZ4 HC) in {} ms", dataset, bytes, what,
                        (System.nanoTime() - t0) / 1_000_000);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not pack {} (edges get it compressed on the fly): {}", dataset, of, e.toString());
        }
    }

    /** Deletes the packed copies of content no retained release holds any more. */
    private void dropUnusedPacks(DatasetStore store) {
        try {
            Set<String> keep = new HashSet<>();
            for (long v : store.versions()) {
                Manifest m = store.manifest(v);
                for (Entry e : m.entries()) {
                    if (e.isFile()) {
                        keep.add(Sha256.hex(e.sha256()));
                    }
                }
                for (int[] g : FileGroups.of(m)) {
                    keep.add(Sha256.hex(FileGroups.key(m, g)));
                }
            }
            new PackedBlocks(store.root()).retainOnly(keep);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not drop unused packed copies: {}", dataset, e.toString());
        }
    }

    /**
     * Origin rollback: publishes the content of retained release {@code version} as a new newest
     * version, so edges follow it (they hold that content already: nothing crosses the wire).
     */
    public PublishResult republish(long version) throws IOException {
        DatasetStore store = DatasetStore.open(dataDir, dataset);
        try (DatasetStore.Lock lock = store.lock()) {
            long t0 = System.nanoTime();
            dropUnswitched(store);
            Manifest old = store.manifest(version);
            long next = store.latest().getAsLong() + 1;
            OptionalLong cur = store.current();
            Manifest prev = cur.isPresent() ? store.manifest(cur.getAsLong()) : null;
            if (sameContent(prev, old)) { // edges hold it already: a version of the same content would be noise
                return unchanged(store, prev, t0);
            }
            requireKeyIfSigned(store, cur, next);
            Manifest m = old.withVersion(next, cur.isPresent() ? cur.getAsLong() : 0, System.currentTimeMillis());
            byte[] encoded = new ManifestCodec().encode(m);
            ReleaseBuilder b = ReleaseBuilder.start(store, m, encoded);
            b.prepareLocal();
            if (!b.pending().isEmpty()) {
                throw new StoreException("release v" + version + " is incomplete on this node; cannot republish it");
            }
            Files.deleteIfExists(store.signatureFile(m.version())); // as in publishOnce
            store.markSwitchPending(m.version());
            byte[] root = ManifestCodec.rootDigest(encoded);
            ManifestSignature sig = null;
            try {
                b.commit(false);
                if (signingKey != null) {
                    sig = ManifestSigner.sign(root, signingKey);
                    store.writeSignature(m.version(), sig.toText());
                }
                flushToDisk(store, m.version());
                store.switchTo(m.version()); // after the signature: edges that require one find it
            } catch (IOException | RuntimeException e) {
                dropUnswitched(store, e);
                throw e;
            }
            switched(store);
            boolean signed = sig != null;
            if (!ServingLock.isHeld(store.root())) { // else the serving node stores it once idle
                storeEnvelope(store, m, sig, encoded); // after: the edges that follow get a delta
            }
            pruneAfterSwitch(store, next);
            LOG.info("{}: republished v{} as v{}", dataset, version, next);
            return new PublishResult(next, true, ManifestDiff.between(prev, m), m.totalBytes(), 0, Sha256.hex(root),
                    signed, false, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /**
     * Prunes to the retention once {@code version} is live; a release that cannot be removed is a
     * warning, not a failed publish (the version is published), and the next publish tries again.
     */
    private List<Long> pruneAfterSwitch(DatasetStore store, long version) throws IOException {
        List<String> failed = new ArrayList<>();
        List<Long> pruned = store.prune(retention, failed);
        failed.forEach(f -> LOG.warn("{}: {}; v{} is published, the next publish tries again", dataset, f, version));
        return pruned;
    }

    private static ByteBuffer read(Path source, FetchRange r) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) r.length());
        try (FileChannel ch = FileChannel.open(source.resolve(r.path()), StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, r.offset() + buf.position()) < 0) {
                    break; // shorter than scanned: the chunk check reports it
                }
            }
        }
        return buf.flip();
    }

    /** Whether {@code m} has the entries and chunking of {@code prev} (a release, or null). */
    private static boolean sameContent(Manifest prev, Manifest m) {
        return prev != null && prev.entries().equals(m.entries()) && prev.chunker().equals(m.chunker());
    }

    /**
     * Removes the release an earlier publish committed but never made current: a process killed
     * (or failed) between its commit and its switch ({@link DatasetStore#markSwitchPending}). No
     * edge was told about it, and left in place it would take the next version number and a
     * retention slot from the releases edges did get.
     */
    private void dropUnswitched(DatasetStore store) throws IOException {
        OptionalLong pending = store.switchPending();
        if (pending.isEmpty()) {
            return;
        }
        long v = pending.getAsLong();
        OptionalLong cur = store.current();
        OptionalLong held = store.heldAt();
        boolean live = (cur.isPresent() && cur.getAsLong() == v) || (held.isPresent() && held.getAsLong() == v);
        if (!live && store.versions().contains(v)) {
            store.removeRelease(v);
            LOG.warn("{}: removed v{}, which a publish committed but stopped before making current; this publish "
                    + "takes its place", dataset, v);
        } else if (!live) {
            store.removeLeftoverRelease(v); // a commit cut short: a release tree without its manifest
        }
        store.clearSwitchPending();
    }

    /** {@link #dropUnswitched(DatasetStore)} after a failure between commit and switch; its own failure is added to {@code e}. */
    private void dropUnswitched(DatasetStore store, Exception e) {
        try {
            dropUnswitched(store);
        } catch (IOException | RuntimeException again) {
            e.addSuppressed(again);
        }
    }

    /** Clears the pending switch once {@code current} moved; a failure only leaves a note the next publish clears. */
    private void switched(DatasetStore store) {
        try {
            store.clearSwitchPending();
        } catch (IOException e) {
            LOG.warn("{}: could not clear the pending-switch note: {}", dataset, e.toString());
        }
    }

    /**
     * Refuses to publish {@code next} unsigned over a signed current release: the edges that
     * trust the origin's key would refuse it, and stay behind without anyone being told here.
     */
    private void requireKeyIfSigned(DatasetStore store, OptionalLong cur, long next) throws StoreException {
        if (signingKey == null && !allowUnsigned && cur.isPresent()
                && Files.exists(store.signatureFile(cur.getAsLong()))) {
            throw new StoreException("v" + cur.getAsLong() + " of " + dataset + " is signed; give the signing key"
                    + " (--key FILE, or --config with signing_key) so that v" + next + " is signed too: edges that"
                    + " trust the key refuse an unsigned version. To stop signing, pass --unsigned (and remove"
                    + " trusted_key from the edges' configs)");
        }
    }

    /**
     * The result of a publish that created nothing: {@code prev} stays the current version. Given
     * a key, an unsigned {@code prev} is signed now (a publish that forgot the key is put right by
     * running it again with the key); a node serving it picks the signature up on the next request.
     */
    private PublishResult unchanged(DatasetStore store, Manifest prev, long t0) throws IOException {
        long v = prev.version();
        byte[] root = store.rootDigest(v);
        boolean signed = Files.exists(store.signatureFile(v));
        boolean signedNow = false;
        if (!signed && signingKey != null) {
            ManifestSignature sig = ManifestSigner.sign(root, signingKey);
            store.writeSignature(v, sig.toText());
            // The envelope a cold edge gets carries the signature. Stored here even when a node
            // serves the dataset: its idle packer stored the unsigned one for this version already.
            storeEnvelope(store, prev, sig, store.manifestBytes(v));
            LOG.info("{}: v{} was unsigned; signed it", dataset, v);
            signed = true;
            signedNow = true;
        }
        return new PublishResult(v, false, ManifestDiff.between(prev, prev), prev.totalBytes(), 0, Sha256.hex(root),
                signed, signedNow, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Reads a key pair from PREFIX.key / PREFIX.pub style files. */
    public static KeyPair loadKeys(Path privateKey, Path publicKey) throws IOException {
        java.security.PrivateKey priv = KeyFiles.readPrivateKey(privateKey); // first: the key asked for is named
        return new KeyPair(KeyFiles.readPublicKey(publicKey), priv);
    }
}
