package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.chunk.FileChunker;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.EntryType;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a directory tree into a {@link Manifest}.
 *
 * <p>Two phases. The <em>walk</em> ({@link TreeWalker}) lists the tree with {@code threads}
 * workers, one {@code lstat} per entry; it records directories (empty ones too, never the root)
 * and symlinks (their target, never followed), applies the {@link IgnoreRules} without
 * descending into ignored directories, reports names it cannot represent, and takes every
 * regular file whose stat matches the {@link FileStateCache} from the cache unread. The
 * <em>chunk</em> phase hands the remaining files to a fixed pool of {@code threads} workers,
 * biggest first; each worker owns one {@link FileChunker} and pulls the next file from a shared
 * counter, so there is no task object per file and no thread per file. A file is opened without
 * following links and stat'ed again after reading; if it changed meanwhile it is read again
 * (twice at most), then reported. The walk lays its results out in canonical order and every
 * file fills its own slot, so the result does not depend on the order in which workers finish,
 * and the manifest need not sort it.
 *
 * <p>Nothing below the root fails the scan: unreadable, vanished, unsupported or unnamable
 * paths come back as {@link ScanProblem}s for the caller to judge.
 */
public final class Scanner {
    /** Least time between two progress reports. */
    public static final long PROGRESS_INTERVAL_MILLIS = 100;

    /** Reads of a file that keeps changing before it is reported. */
    static final int MAX_ATTEMPTS = 3;

    private final ScanOptions options;
    /** Opens a file for chunking; tests substitute a failing one. */
    FileOpener opener = file -> FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    /** Opens a file for reading. */
    @FunctionalInterface
    interface FileOpener {
        ReadableByteChannel open(Path file) throws IOException;
    }

    public Scanner(ScanOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Scans {@code root}.
     *
     * @throws IOException if the root is not a readable directory, or its ignore file cannot be read
     */
    public ScanResult scan(Path root) throws IOException {
        long start = System.nanoTime();
        if (!Files.isDirectory(root)) {
            throw Files.exists(root) ? new NotDirectoryException(root.toString())
                    : new java.nio.file.NoSuchFileException(root.toString(), null, "scan root does not exist");
        }
        root = root.toAbsolutePath().normalize();
        IgnoreRules rules = options.useIgnoreFile() ? IgnoreRules.load(root, options.excludes())
                : IgnoreRules.parse(options.excludes(), "--exclude");
        Path cacheDir = options.openingCache() != null ? options.openingCacheDir()
                : options.cache() != null ? options.cache().directory() : null;
        Path skip = cacheDir == null ? null : cacheDir.toAbsolutePath().normalize();

        ProgressReporter progress = new ProgressReporter(options.progress());
        progress.phase(ScanProgress.Phase.WALK);
        TreeWalker walker = new TreeWalker(root, rules, options.kept(), skip, progress, options.threads());
        walker.walk();
        PhaseLog.mark("walk");

        FileStateCache cache = cache(options);
        PhaseLog.mark("cache ready");
        List<TreeWalker.FileTask> tasks = walker.files; // canonical order
        int n = tasks.size();
        Entry[] found = new Entry[n];
        FileStat[] trusted = new FileStat[n]; // the stat a cache hit or store vouches for
        int[] fromSnapshot = null; // record position of each snapshot hit, else -1
        FileStateSnapshot snapshot = cache.isEnabled() ? cache.snapshot(options.chunker()) : null;
        int snapshotHits = 0;
        long snapshotBytes = 0;
        boolean snapshotExact = false;
        if (snapshot != null) {
            fromSnapshot = new int[n];
            FileStateSnapshot.Cursor c = snapshot.cursor();
            for (int i = 0; i < n; i++) {
                TreeWalker.FileTask t = tasks.get(i);
                fromSnapshot[i] = -1;
                int cmp = 0;
                while (!c.done() && (cmp = c.compareTo(t.path())) < 0) {
                    c.next(); // a file gone since the last scan
                }
                if (c.done() || cmp != 0) {
                    continue; // a new file
                }
                FileStat st = t.stat();
                if (c.sameStat(st)) {
                    ChunkList chunks = c.chunks();
                    if (chunks != null) {
                        found[i] = Entry.file(t.path(), st.mode(), st.mtimeNanos(), st.size(), c.sha256(), chunks);
                        trusted[i] = st;
                        fromSnapshot[i] = c.position();
                        snapshotHits++;
                        snapshotBytes += st.size();
                    }
                }
                c.next();
            }
            snapshotExact = snapshotHits == n && snapshotHits == snapshot.records; // no file new, changed or gone
            PhaseLog.mark("snapshot merge");
        }
        int[] todo = new int[n - snapshotHits];
        for (int i = 0, k = 0; i < n; i++) {
            if (found[i] == null) {
                todo[k++] = i;
            }
        }
        if (todo.length > 1) {
            sortBySizeDescending(todo, tasks);
        }
        cache.ensureCapacity(n);
        progress.phase(ScanProgress.Phase.CHUNK);
        if (snapshotHits > 0) {
            progress.filesDone(snapshotHits, snapshotBytes);
        }
        Chunking run = new Chunking(tasks, todo, found, trusted, cache, progress);
        run.runAll(Math.min(options.threads(), Math.max(1, todo.length)));
        PhaseLog.mark("lookups and chunking");

        Entry[] slots = walker.slots.toArray(new Entry[0]);
        List<ScanProblem> problems = new ArrayList<>(walker.problems);
        for (int i = 0; i < n; i++) {
            if (found[i] != null) {
                slots[tasks.get(i).slot()] = found[i];
            } else {
                problems.add(run.problems[i]);
            }
        }
        List<Entry> entries = new ArrayList<>(slots.length);
        long bytes = 0;
        long files = 0;
        for (Entry e : slots) {
            if (e == null) {
                continue; // a file that could not be read leaves its slot empty
            }
            entries.add(e);
            if (e.type() == EntryType.FILE) {
                files++;
                bytes += e.size();
            }
        }
        if (cache.isEnabled()) {
            updateCache(cache, tasks, found, trusted, snapshot, fromSnapshot, snapshotExact,
                    snapshotHits + run.hits.get() + run.stored.get(), files);
        }
        PhaseLog.mark("retain");
        problems.sort((a, b) -> ManifestPath.compare(a.path(), b.path()));
        Manifest manifest = new Manifest(options.dataset(), options.version(), options.parentVersion(),
                options.createdMillis(), options.chunker(), entries);
        progress.phase(ScanProgress.Phase.DONE);
        ScanStats stats = new ScanStats(files, walker.dirs, walker.symlinks, walker.ignored, bytes,
                run.bytesRead.get(), snapshotBytes + run.bytesReused.get(), snapshotHits + run.hits.get(),
                run.misses.get(),
                Duration.ofNanos(System.nanoTime() - start));
        return new ScanResult(manifest, problems, stats);
    }

    /** Sorts task indices biggest file first (ties in canonical order), so the big reads start early. */
    private static void sortBySizeDescending(int[] todo, List<TreeWalker.FileTask> tasks) {
        Integer[] boxed = new Integer[todo.length];
        for (int k = 0; k < todo.length; k++) {
            boxed[k] = todo[k];
        }
        java.util.Arrays.sort(boxed, (a, b) -> {
            int c = Long.compare(tasks.get(b).stat().size(), tasks.get(a).stat().size());
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int k = 0; k < todo.length; k++) {
            todo[k] = boxed[k];
        }
    }

    /**
     * After a scan: drops vanished paths from the map (when it was opened at all) and leaves the
     * next snapshot with the cache: every file a hit or a store vouches for, in canonical order.
     * When the loaded snapshot matched the tree exactly there is nothing to write.
     */
    private void updateCache(FileStateCache cache, List<TreeWalker.FileTask> tasks, Entry[] found,
                             FileStat[] trusted, FileStateSnapshot snapshot, int[] fromSnapshot,
                             boolean snapshotExact, long vouched, long files) {
        int n = tasks.size();
        if (snapshotExact && !cache.mapOpened()) {
            return; // the snapshot on disk is this scan's, record for record; the map stays closed
        }
        // Anything changed (a file read, added or gone): the map is brought up to date as without
        // a snapshot, so that it never keeps paths that no longer exist.
        if (cache.openMap()) {
            boolean rebuilt = cache.openMode() != FileStateCache.OpenMode.OPENED;
            Set<String> present = new HashSet<>((int) Math.min(Integer.MAX_VALUE / 2, files * 2 + 16));
            FileStateSnapshot.Cursor c = snapshot == null ? null : snapshot.cursor();
            for (int i = 0; i < n; i++) {
                Entry e = found[i];
                if (e == null) {
                    continue;
                }
                present.add(e.path());
                if (fromSnapshot != null && fromSnapshot[i] >= 0) {
                    c = seek(snapshot, c, fromSnapshot[i]);
                    long[] side = c.sideId();
                    if (side != null) {
                        cache.sideFileInUse(side[0], side[1]);
                    }
                    if (rebuilt) { // the map was lost since the snapshot was written: put these back
                        cache.store(e.path(), trusted[i], options.chunker(),
                                new ChunkedFile(e.size(), e.sha256(), e.chunks()), nowNanos());
                    }
                }
            }
            cache.retainOnly(present, vouched);
        }
        FileStateSnapshot.Writer w = new FileStateSnapshot.Writer(options.chunker());
        FileStateSnapshot.Cursor c = snapshot == null ? null : snapshot.cursor();
        for (int i = 0; i < n; i++) {
            Entry e = found[i];
            if (e == null || trusted[i] == null) {
                continue; // unreadable, or read too soon after a change to vouch for
            }
            if (fromSnapshot != null && fromSnapshot[i] >= 0) {
                c = seek(snapshot, c, fromSnapshot[i]);
                w.copy(snapshot, c);
            } else {
                w.add(e.path(), trusted[i], e.sha256(), e.chunks(), FileStateCache.sideFileOf(e.chunks()));
            }
        }
        cache.nextSnapshot(w);
    }

    /** {@code c} moved forward to the record at {@code position}. */
    private static FileStateSnapshot.Cursor seek(FileStateSnapshot s, FileStateSnapshot.Cursor c, int position) {
        while (!c.done() && c.position() < position) {
            c.next();
        }
        return c;
    }

    /** The options' cache: given, still opening (waited for here), or none. */
    private static FileStateCache cache(ScanOptions options) throws IOException {
        if (options.openingCache() != null) {
            try {
                return options.openingCache().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("scan interrupted while the file-state cache opened");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Error) {
                    throw (Error) c;
                }
                throw new IllegalStateException("opening the file-state cache failed", c);
            }
        }
        return options.cache() == null ? FileStateCache.disabled() : options.cache();
    }

    /** The chunking phase over the files the snapshot did not answer: results land in arrays indexed like the task list. */
    private final class Chunking {
        final List<TreeWalker.FileTask> tasks;
        final int[] todo;
        final FileStateCache cache;
        final ProgressReporter progress;
        final Entry[] entries;
        final FileStat[] trusted;
        final ScanProblem[] problems;
        final AtomicInteger next = new AtomicInteger();
        final AtomicLong bytesRead = new AtomicLong();
        final AtomicLong misses = new AtomicLong();
        final AtomicLong stored = new AtomicLong();
        final AtomicLong hits = new AtomicLong();
        final AtomicLong bytesReused = new AtomicLong();

        Chunking(List<TreeWalker.FileTask> tasks, int[] todo, Entry[] entries, FileStat[] trusted,
                 FileStateCache cache, ProgressReporter progress) {
            this.tasks = tasks;
            this.todo = todo;
            this.cache = cache;
            this.progress = progress;
            this.entries = entries;
            this.trusted = trusted;
            this.problems = new ScanProblem[tasks.size()];
        }

        void runAll(int threads) throws IOException {
            if (threads <= 1) {
                work();
                return;
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads, new Workers());
            try {
                List<Future<?>> running = new ArrayList<>(threads);
                for (int i = 0; i < threads; i++) {
                    running.add(pool.submit(() -> {
                        work();
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.set(todo.length); // stop handing out work
                throw new java.io.InterruptedIOException("scan interrupted");
            } catch (ExecutionException e) {
                next.set(todo.length);
                Throwable c = e.getCause();
                if (c instanceof RuntimeException) {
                    throw (RuntimeException) c;
                }
                if (c instanceof Error) {
                    throw (Error) c;
                }
                throw new IllegalStateException("chunking worker failed", c);
            } finally {
                pool.shutdownNow();
            }
        }

        /** One worker: its own chunker (made at its first cache miss), files pulled from the shared counter. */
        private void work() {
            ChunkerParams params = options.chunker();
            FileChunker[] chunker = new FileChunker[1];
            int i;
            while ((i = next.getAndIncrement()) < todo.length) {
                int t = todo[i];
                chunkOne(t, tasks.get(t), chunker, params);
                progress.fileDone();
            }
        }

        private void chunkOne(int index, TreeWalker.FileTask task, FileChunker[] chunkerHolder, ChunkerParams params) {
            FileStat stat = task.stat();
            ChunkedFile cached = cache.lookup(task.path(), stat, params);
            if (cached != null) {
                hits.incrementAndGet();
                bytesReused.addAndGet(cached.size());
                progress.bytes(cached.size());
                entries[index] = Entry.file(task.path(), stat.mode(), stat.mtimeNanos(), cached.size(),
                        cached.sha256(), cached.chunks());
                trusted[index] = stat;
                return;
            }
            misses.incrementAndGet();
            if (chunkerHolder[0] == null) {
                chunkerHolder[0] = new FileChunker(params);
            }
            FileChunker chunker = chunkerHolder[0];
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                long readStart = nowNanos();
                ChunkedFile chunked;
                FileStat after;
                try (ReadableByteChannel ch = opener.open(task.file())) {
                    chunked = chunker.chunk(new Counting(ch));
                    after = FileStat.of(task.file());
                } catch (IOException e) {
                    problems[index] = TreeWalker.ioProblem(task.path(), e, "cannot read");
                    return;
                }
                if (after.kind() != FileStat.Kind.FILE) {
                    problems[index] = new ScanProblem(task.path(), ScanProblem.Kind.CHANGED_DURING_SCAN,
                            "was replaced by a " + after.kind().name().toLowerCase(java.util.Locale.ROOT)
                                    + " during the scan");
                    return;
                }
                if (after.sameContentIdentity(stat) && chunked.size() == after.size()) {
                    if (cache.store(task.path(), after, params, chunked, readStart)) {
                        stored.incrementAndGet();
                        trusted[index] = after;
                    }
                    entries[index] = Entry.file(task.path(), after.mode(), after.mtimeNanos(), chunked.size(),
                            chunked.sha256(), chunked.chunks());
                    return;
                }
                stat = after; // it changed while we read it: read it again
            }
            problems[index] = new ScanProblem(task.path(), ScanProblem.Kind.CHANGED_DURING_SCAN,
                    "kept changing while being read (" + MAX_ATTEMPTS + " attempts); left out");
        }

        /** Counts bytes as they are read, for the statistics and the progress bar. */
        private final class Counting implements ReadableByteChannel {
            private final ReadableByteChannel in;

            Counting(ReadableByteChannel in) {
                this.in = in;
            }

            @Override
            public int read(ByteBuffer dst) throws IOException {
                int n = in.read(dst);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                    progress.bytes(n);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        }
    }

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Daemon threads named delta-scan-N, so a stuck read never keeps the JVM alive. */
    private static final class Workers implements ThreadFactory {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "delta-scan-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
