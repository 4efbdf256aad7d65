package dev.delta.engine.store;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.plan.ChunkIndex;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One dataset's releases on a node's disk:
 *
 * <pre>
 * &lt;data&gt;/&lt;dataset&gt;/
 *   releases/v41/ ...          a complete tree, immutable once committed
 *   releases/v42/ ...          unchanged files are hard links into v41
 *   current -&gt; releases/v42   switched by renaming a new symlink over it (atomic)
 *   .delta/manifests/v42.dm    the manifest of every retained release
 *   .delta/manifests/v42.root  its root digest and length, so checking "same version?" reads 80 bytes
 *   .delta/staging/v43-&lt;digest&gt;/  a release being built; survives a crash and is resumed
 *   .delta/spare/file          a spare file a big file made anew is written over ({@link ReleaseSpare})
 *   .delta/hold                a rollback hold: the version current is pinned to
 *   .delta/lock                taken while a release is built, switched or pruned
 * </pre>
 *
 * A release directory exists only once complete and verified, and {@code current} only ever
 * points at one, so after a crash at any moment {@code current} is a whole version: the old one or
 * the new one.
 */
public final class DatasetStore {
    private static final Pattern RELEASE = Pattern.compile("v([1-9][0-9]{0,18})");
    private static final Pattern MANIFEST_FILE = Pattern.compile("v([1-9][0-9]{0,18})\\.dm");
    private static final Pattern DELTA_FILE = Pattern.compile("v([1-9][0-9]{0,18})\\.from-v([1-9][0-9]{0,18})\\.(dmd|rpp)");

    private final String dataset;
    private final Path root;
    private final Path releases;
    private final Path meta;

    private DatasetStore(String dataset, Path root) {
        this.dataset = dataset;
        this.root = root;
        this.releases = root.resolve("releases");
        this.meta = root.resolve(".delta");
    }

    /**
     * Whether {@code dataDir} holds a store of {@code dataset}: every directory {@link #open}
     * makes is there, so that opening it makes nothing. False for an invalid name.
     */
    public static boolean exists(Path dataDir, String dataset) {
        if (!Manifest.isValidDataset(dataset)) {
            return false;
        }
        for (Path d : new DatasetStore(dataset, dataDir.resolve(dataset)).directories()) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
        }
        return true;
    }

    /** The directories a store consists of, parents first. */
    private Path[] directories() {
        return new Path[]{root, releases, meta, manifestsDir(), stagingRoot()};
    }

    /** Opens (creating if needed) the store of {@code dataset} under {@code dataDir}. */
    public static DatasetStore open(Path dataDir, String dataset) throws IOException {
        Manifest.validateDataset(dataset);
        Path root = dataDir.resolve(dataset);
        DatasetStore s = new DatasetStore(dataset, root);
        for (Path d : s.directories()) {
            try {
                Files.createDirectories(d);
            } catch (java.nio.file.FileAlreadyExistsException e) { // a file where a directory must be
                throw new StoreException(e.getFile() + " is not a directory; " + d + " cannot be made", e);
            }
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException(d + " must be a directory, not a symlink or file");
            }
        }
        return s;
    }

    public String dataset() {
        return dataset;
    }

    /** The dataset's directory. */
    public Path root() {
        return root;
    }

    /** The {@code current} symlink (what an HTTP server or application serves from). */
    public Path currentLink() {
        return root.resolve("current");
    }

    public Path releaseDir(long version) {
        return releases.resolve("v" + version);
    }

    Path manifestsDir() {
        return meta.resolve("manifests");
    }

    Path stagingRoot() {
        return meta.resolve("staging");
    }

    /**
     * The releases being built in {@code dataset}'s staging under {@code dataDir}
     * ({@code vN-<root digest>}, sorted; a later sync of that version resumes one), without
     * opening or making anything: empty when there is no such directory or it cannot be read.
     */
    public static List<String> staging(Path dataDir, String dataset) {
        if (!Manifest.isValidDataset(dataset)) {
            return List.of();
        }
        Path dir = new DatasetStore(dataset, dataDir.resolve(dataset)).stagingRoot();
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    names.add(p.getFileName().toString());
                }
            } catch (IOException e) {
                return List.of();
            }
        }
        names.sort(null);
        return names;
    }

    /** Size in bytes of a retained release's stored manifest. */
    public long manifestSize(long version) throws IOException {
        return Files.size(manifestFile(version));
    }

    /** The stored manifest of release {@code version}. */
    public Path manifestFile(long version) {
        return manifestsDir().resolve("v" + version + ".dm");
    }

    /** The origin's signature of release {@code version}'s manifest (there when it was signed). */
    public Path signatureFile(long version) {
        return manifestsDir().resolve("v" + version + ".dm.sig");
    }

    /**
     * Stores the origin's signature of release {@code version}, atomically: a node serving the
     * release meanwhile reads the old state or the new one, never half a signature.
     */
    public void writeSignature(long version, String text) throws IOException {
        writeAtomically(signatureFile(version), text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Path deltaFile(long from, long to) {
        return manifestsDir().resolve("v" + to + ".from-v" + from + ".dmd");
    }

    /**
     * Where an origin keeps the patches that bring release {@code from}'s files to {@code to}'s,
     * computed once when {@code to} was published, for every edge that follows; removed with
     * either release, like the manifest delta.
     */
    public Path patchFile(long from, long to) {
        return manifestsDir().resolve("v" + to + ".from-v" + from + ".rpp");
    }

    /**
     * Stores the manifest delta that turns release {@code from}'s manifest into {@code to}'s (see
     * {@code ManifestDelta}), so that a node serves it without computing it. Removed with either
     * release.
     */
    public void writeDelta(long from, long to, byte[] delta) throws IOException {
        writeAtomically(deltaFile(from, to), delta);
    }

    /** The stored manifest delta from {@code from} to {@code to}, or null when there is none. */
    public byte[] readDelta(long from, long to) throws IOException {
        try {
            return Files.readAllBytes(deltaFile(from, to));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    Path envelopeFile(long version) {
        return manifestsDir().resolve("v" + version + ".dme");
    }

    /**
     * Stores what an origin sends a cold edge for release {@code version}: its manifest in the
     * node's envelope (compressed once, with the signature if any), so that a node serves it
     * without compressing it on the first request. Removed with the release.
     */
    public void writeEnvelope(long version, byte[] envelope) throws IOException {
        writeAtomically(envelopeFile(version), envelope);
    }

    /** The stored envelope of release {@code version}'s manifest, or null when there is none. */
    public byte[] readEnvelope(long version) throws IOException {
        try {
            return Files.readAllBytes(envelopeFile(version));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    Path rootFile(long version) {
        return manifestsDir().resolve("v" + version + ".root");
    }

    /** The version {@code current} points at, if any. */
    public OptionalLong current() throws IOException {
        return currentOf(currentLink());
    }

    /**
     * The version the {@code current} link of {@code dataset} under {@code dataDir} points at,
     * read without opening the store (which would make its directories); empty when there is none.
     */
    public static OptionalLong peekCurrent(Path dataDir, String dataset) throws IOException {
        Manifest.validateDataset(dataset);
        return currentOf(dataDir.resolve(dataset).resolve("current"));
    }

    private static OptionalLong currentOf(Path link) throws IOException {
        if (!Files.isSymbolicLink(link)) {
            if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException(link + " exists but is not a symlink");
            }
            return OptionalLong.empty();
        }
        String target = Files.readSymbolicLink(link).toString();
        Matcher m = Pattern.compile("releases/v([1-9][0-9]{0,18})").matcher(target);
        if (!m.matches()) {
            throw new StoreException(link + " points at " + target + ", not at a release");
        }
        return OptionalLong.of(Long.parseLong(m.group(1)));
    }

    /** Committed releases that still have their manifest, oldest first. */
    public List<Long> versions() throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(releases)) {
            for (Path p : ds) {
                Matcher m = RELEASE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.isRegularFile(manifestFile(Long.parseLong(m.group(1))))) {
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The newest committed version, if any. */
    public OptionalLong latest() throws IOException {
        List<Long> v = versions();
        return v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(v.get(v.size() - 1));
    }

    /** The manifest of a retained release. */
    public Manifest manifest(long version) throws IOException {
        Path f = manifestFile(version);
        try {
            return new ManifestCodec().decode(Files.readAllBytes(f));
        } catch (NoSuchFileException e) {
            throw new StoreException(dataset + " v" + version + " is not retained on this node", e);
        } catch (ManifestFormatException e) {
            throw new StoreException(f + ": " + e.getMessage(), e);
        }
    }

    /** The encoded manifest of a retained release, as stored (what is served to peers). */
    public byte[] manifestBytes(long version) throws IOException {
        try {
            return Files.readAllBytes(manifestFile(version));
        } catch (NoSuchFileException e) {
            throw new StoreException(dataset + " v" + version + " is not retained on this node", e);
        }
    }

    /**
     * The root digest (SHA-256 of the stored manifest) of a retained release: from the small
     * record written beside the manifest at commit when it is there and its length still matches
     * the manifest's, else computed from the manifest.
     */
    public byte[] rootDigest(long version) throws IOException {
        String[] rec = rootRecord(version);
        if (rec != null) {
            return java.util.HexFormat.of().parseHex(rec[0]);
        }
        return ManifestCodec.rootDigest(manifestBytes(version));
    }

    /**
     * The total file bytes of a retained release, from the record beside its manifest when that
     * holds it (releases committed by this build), else skimmed from the manifest: an up-to-date
     * sync reports it without reading a manifest of megabytes.
     */
    public long totalBytes(long version) throws IOException {
        String[] rec = rootRecord(version);
        if (rec != null && rec.length == 3) {
            return Long.parseLong(rec[2]);
        }
        try {
            return ManifestCodec.summarize(manifestBytes(version)).totalBytes();
        } catch (dev.delta.engine.manifest.ManifestFormatException e) {
            throw new StoreException(dataset + " v" + version + ": " + e.getMessage(), e);
        }
    }

    /**
     * The fields of the record beside a release's manifest ({@code root-hex length [total-bytes]}),
     * or null when there is none, it is damaged, or its length no longer matches the manifest's.
     */
    private String[] rootRecord(long version) throws IOException {
        try {
            String[] rec = Files.readString(rootFile(version), java.nio.charset.StandardCharsets.US_ASCII).trim()
                    .split(" ");
            if ((rec.length == 2 || rec.length == 3) && rec[0].length() == 64
                    && Long.parseLong(rec[1]) == Files.size(manifestFile(version))) {
                java.util.HexFormat.of().parseHex(rec[0]); // throws on a damaged digest
                if (rec.length == 3 && !isCount(rec[2])) {
                    return new String[]{rec[0], rec[1]}; // a damaged total: the digest alone
                }
                return rec;
            }
        } catch (NoSuchFileException | IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            // no record (a release committed by an older build) or a damaged one
        }
        return null;
    }

    private static boolean isCount(String s) {
        try {
            return Long.parseLong(s) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Like {@link #rootDigest}, and leaves a complete record beside the manifest when it was
     * missing, damaged or without the total (a release committed by an older build), so the next
     * look is cheap. Call with the lock held.
     */
    public byte[] rootDigestRecorded(long version) throws IOException {
        String[] rec = rootRecord(version);
        if (rec != null && rec.length == 3) {
            return java.util.HexFormat.of().parseHex(rec[0]);
        }
        byte[] bytes = manifestBytes(version);
        byte[] root = ManifestCodec.rootDigest(bytes);
        long total;
        try {
            total = ManifestCodec.summarize(bytes).totalBytes();
        } catch (dev.delta.engine.manifest.ManifestFormatException e) {
            throw new StoreException(dataset + " v" + version + ": " + e.getMessage(), e);
        }
        writeRootRecord(version, root, bytes.length, total);
        return root;
    }

    private void writeRootRecord(long version, byte[] root, long length, long totalBytes) throws IOException {
        writeAtomically(rootFile(version), (java.util.HexFormat.of().formatHex(root) + " " + length + " "
                + totalBytes + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A chunk index over every retained release, newest first (so copies come from recent files). */
    public ChunkIndex chunkIndex() throws IOException {
        return chunkIndex(null);
    }

    /**
     * Same, reusing {@code decoded} (a retained release's manifest the caller already holds, or
     * null) instead of reading and decoding it again.
     */
    public ChunkIndex chunkIndex(Manifest decoded) throws IOException {
        return chunkIndex(decoded, v -> null);
    }

    /**
     * Same, also taking other releases' decoded manifests from {@code retained} where it has them
     * (it returns null for the others, which are read and decoded).
     */
    public ChunkIndex chunkIndex(Manifest decoded, java.util.function.LongFunction<Manifest> retained)
            throws IOException {
        return chunkIndex(decoded, retained, v -> true);
    }

    /**
     * Same, over the retained releases {@code include} accepts (a publish plans its patches over
     * every release but the one it just committed).
     */
    public ChunkIndex chunkIndex(Manifest decoded, java.util.function.LongFunction<Manifest> retained,
                                 java.util.function.LongPredicate include) throws IOException {
        List<Long> v = versions();
        ChunkIndex index = null;
        for (int i = v.size() - 1; i >= 0; i--) {
            if (!include.test(v.get(i))) {
                continue;
            }
            boolean reuse = decoded != null && decoded.version() == v.get(i) && decoded.dataset().equals(dataset);
            Manifest known = reuse ? decoded : retained.apply(v.get(i));
            if (known != null && (known.version() != v.get(i) || !known.dataset().equals(dataset))) {
                throw new IllegalArgumentException("retained manifest mix-up: " + known.dataset() + " v"
                        + known.version() + " given for " + dataset + " v" + v.get(i));
            }
            // One release at a time: a manifest decoded here is garbage once indexed, but for the
            // entries that alone hold some chunk (an 80,000-file manifest decodes to ~37 MB).
            Manifest m = known != null ? known : manifest(v.get(i));
            if (index == null) {
                index = new ChunkIndex((int) Math.min(m.chunkCount(), 1 << 28));
            }
            index.addManifest(m);
        }
        return index != null ? index : new ChunkIndex();
    }

    /** Atomically points {@code current} at a committed release. */
    public void switchTo(long version) throws IOException {
        if (!Files.isDirectory(releaseDir(version), LinkOption.NOFOLLOW_LINKS)
                || !Files.isRegularFile(manifestFile(version))) {
            throw new StoreException(dataset + " v" + version + " is not a committed release on this node");
        }
        Path tmp = root.resolve(".current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of("releases", "v" + version));
        Files.move(tmp, currentLink(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(root);
    }

    /** Pins {@code current} to a version until {@link #releaseHold()}: followers must not move it. */
    public void hold(long version) throws IOException {
        writeAtomically(meta.resolve("hold"), Long.toString(version).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The version current is held at, if a rollback hold is in place. */
    public OptionalLong heldAt() throws IOException {
        Path f = meta.resolve("hold");
        if (!Files.exists(f)) {
            return OptionalLong.empty();
        }
        String s = Files.readString(f).trim();
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new StoreException(f + " is damaged: '" + s + "'");
        }
    }

    public void releaseHold() throws IOException {
        Files.deleteIfExists(meta.resolve("hold"));
    }

    /**
     * Records that release {@code version} is being committed to become current: a publish writes
     * it before its commit and clears it after the switch ({@link #clearSwitchPending}), so that
     * the next publish knows a release it finds committed but not current for a process killed in
     * between (a release no edge was told about; see {@link #switchPending}).
     */
    public void markSwitchPending(long version) throws IOException {
        writeAtomically(meta.resolve("switch-pending"),
                Long.toString(version).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The version {@link #markSwitchPending} recorded and nothing cleared; empty when none. */
    public OptionalLong switchPending() throws IOException {
        Path f = meta.resolve("switch-pending");
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return OptionalLong.empty();
        }
        String s = Files.readString(f).trim();
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return OptionalLong.empty(); // half-written by a crash: the release it named is checked anyway
        }
    }

    public void clearSwitchPending() throws IOException {
        Files.deleteIfExists(meta.resolve("switch-pending"));
    }

    /**
     * Removes release {@code version} and everything stored beside it (manifest, root record,
     * signature, envelope, deltas and patches from or to it). The manifest goes first: a release
     * without one is no longer listed, and {@link #removeLeftoverRelease} finishes what a failure
     * leaves. Refused for the release {@code current} points at or the held one. Call it holding
     * the {@link #lock}.
     */
    public void removeRelease(long version) throws IOException {
        OptionalLong cur = current();
        OptionalLong held = heldAt();
        if ((cur.isPresent() && cur.getAsLong() == version) || (held.isPresent() && held.getAsLong() == version)) {
            throw new StoreException(dataset + " v" + version + " is current or held; it is not removed");
        }
        try {
            removeUnchecked(version);
        } finally {
            removeDeltas(List.of(version));
        }
    }

    /**
     * Deletes the manifest first (a release without one is no longer listed; if that fails,
     * nothing else is tried), then the tree and the files beside the manifest, each tried even when
     * one before failed; the first failure is thrown at the end.
     */
    private void removeUnchecked(long ver) throws IOException {
        Files.delete(manifestFile(ver));
        IOException first = attempt(null, () -> deleteTree(releaseDir(ver)));
        first = attempt(first, () -> Files.deleteIfExists(rootFile(ver)));
        first = attempt(first, () -> Files.deleteIfExists(envelopeFile(ver)));
        first = attempt(first, () -> Files.deleteIfExists(signatureFile(ver)));
        if (first != null) {
            throw first;
        }
    }

    private interface IoStep {
        void run() throws IOException;
    }

    /** Runs {@code step}; returns {@code first}, or the step's failure (added to {@code first} when there is one). */
    private static IOException attempt(IOException first, IoStep step) {
        try {
            step.run();
            return first;
        } catch (IOException e) {
            if (first == null) {
                return e;
            }
            first.addSuppressed(e);
            return first;
        }
    }

    /** Deletes the stored deltas and patches from or to any of {@code removed}. */
    private void removeDeltas(List<Long> removed) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(manifestsDir())) {
            for (Path p : ds) {
                Matcher m = DELTA_FILE.matcher(p.getFileName().toString());
                if (m.matches() && (removed.contains(Long.parseLong(m.group(1)))
                        || removed.contains(Long.parseLong(m.group(2))))) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Removes every release but the newest {@code keep}, the one {@code current} points at and a
     * held one (those two are kept on top of the newest {@code keep}: an edge held at an old
     * release still keeps the newest versions it fetched, so releasing the hold is instant). Call
     * with the lock held, so no staging is using a release as a source.
     *
     * @return the versions removed
     * @throws StoreException if a release could not be removed (the others were)
     */
    public List<Long> prune(int keep) throws IOException {
        List<String> failed = new ArrayList<>();
        List<Long> removed = prune(keep, failed);
        if (!failed.isEmpty()) {
            throw new StoreException(String.join("; ", failed));
        }
        return removed;
    }

    /**
     * {@link #prune(int)}, going on past a release it cannot remove: each such failure is added
     * to {@code failed}, one message per release. What the failure leaves (a release tree
     * without its manifest) is no longer listed, and {@link #removeLeftoverRelease} removes it.
     */
    public List<Long> prune(int keep, List<String> failed) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("retention must keep at least 1 release, got " + keep);
        }
        List<Long> v = versions();
        OptionalLong cur = current();
        OptionalLong held = heldAt();
        List<Long> removed = new ArrayList<>();
        for (int i = 0; i < v.size() - keep; i++) { // oldest first; the newest keep stay
            long ver = v.get(i);
            if ((cur.isPresent() && cur.getAsLong() == ver) || (held.isPresent() && held.getAsLong() == ver)) {
                continue;
            }
            try {
                removeUnchecked(ver);
                removed.add(ver);
            } catch (IOException e) {
                failed.add("pruning " + dataset + " v" + ver + " failed: " + e);
            }
        }
        if (!removed.isEmpty()) {
            removeDeltas(removed);
        }
        return removed;
    }

    /**
     * Deletes {@code releases/vN} when it is not a release: a directory with no manifest beside it
     * is what a prune cut short leaves (it deletes the manifest first, then the tree), or something
     * put there by hand. Kept, with an error, when {@code current} or the hold names it. Call it
     * holding the {@link #lock}; returns whether there was one to delete.
     */
    public boolean removeLeftoverRelease(long version) throws IOException {
        Path dir = releaseDir(version);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || Files.exists(manifestFile(version))) {
            return false;
        }
        OptionalLong cur = current();
        OptionalLong held = heldAt();
        if ((cur.isPresent() && cur.getAsLong() == version) || (held.isPresent() && held.getAsLong() == version)) {
            throw new StoreException(dir + " has no manifest, yet current or the rollback hold names it; "
                    + "roll back to a retained release before syncing again");
        }
        deleteTree(dir);
        return true;
    }

    /**
     * An exclusive lock on this dataset across processes; close it to release.
     *
     * @throws DatasetBusyException when another process holds it
     */
    public Lock lock() throws IOException {
        FileChannel ch = FileChannel.open(meta.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                throw new DatasetBusyException("dataset " + dataset + " in " + root.getParent()
                        + " is busy: another delta process is changing it");
            }
            return new Lock(ch, l);
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new StoreException("dataset " + dataset + " is already locked by this process", e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * {@link #lock()}, waiting up to {@code patienceMillis} for another process to let it go: an
     * operator's command should not fail because a node is busy with a few seconds of its own
     * work on the dataset (after a sync, a running edge prepares the next one under this lock).
     * {@code onWait} runs once, when the lock is found busy, to say so.
     *
     * @throws DatasetBusyException when it is still held after that long
     */
    public Lock lock(long patienceMillis, Runnable onWait) throws IOException {
        long deadline = System.nanoTime() + patienceMillis * 1_000_000L;
        boolean said = false;
        while (true) {
            try {
                return lock();
            } catch (DatasetBusyException busy) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new DatasetBusyException(busy.getMessage() + " (waited " + patienceMillis / 1000
                            + " s for it)");
                }
                if (!said) {
                    onWait.run();
                    said = true;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for " + busy.getMessage());
                }
            }
        }
    }

    /** The dataset's lock is held by another process. */
    public static final class DatasetBusyException extends StoreException {
        private static final long serialVersionUID = 1L;

        public DatasetBusyException(String message) {
            super(message);
        }
    }

    /** A held dataset lock. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /** Writes {@code m}'s encoding as the manifest of its version (atomically). */
    void writeManifest(Manifest m, byte[] encoded, byte[] rootDigest) throws IOException {
        Files.deleteIfExists(rootFile(m.version())); // never a record of other bytes beside this manifest
        writeAtomically(manifestFile(m.version()), encoded);
        writeRootRecord(m.version(), rootDigest, encoded.length, m.totalBytes());
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                out.write(bytes);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp); // nothing half-written left beside the file
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        fsyncDir(file.getParent());
    }

    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on a directory; the rename is still atomic.
        }
    }

    /** Deletes a tree without following symlinks. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                // A release replicates its directories' modes: one the owner cannot list or write
                // (0555, 0000) is opened up first, or nothing in it could be removed unless root.
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
                if (!perms.containsAll(OWNER_RWX)) {
                    perms.addAll(OWNER_RWX);
                    Files.setPosixFilePermissions(d, perms); // d is a directory the walk did not reach through a link
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static final Set<PosixFilePermission> OWNER_RWX = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
}
