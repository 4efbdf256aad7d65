package dev.delta.engine.scan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.ManifestPath;
import dev.delta.engine.manifest.UnsafePathException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The first, cheap phase of a scan: lists the tree with one {@code lstat} per entry, never
 * following symlinks and never descending into ignored directories. Directories and symlinks
 * become manifest entries at once; regular files become {@link FileTask}s for the chunking phase
 * (which answers unchanged ones from the file-state cache). Anything it cannot represent or read
 * becomes a {@link ScanProblem}.
 *
 * <p>Directories are listed by {@code threads} workers at once (a directory is a task; its
 * subdirectories are new tasks), each directory's children sorted by name. The results are then
 * laid out in one pass, a directory right before its contents: that is the manifest's canonical
 * order ({@link ManifestPath#compare} sorts '/' before every other character), so the walk hands
 * out <em>slots</em> in that order and the scan assembles its entries without sorting.
 *
 * <p>No recursion on the thread's stack: depth is bounded by memory.
 */
final class TreeWalker {
    /** A regular file found by the walk, waiting to be chunked into {@code slot}. */
    record FileTask(String path, Path file, FileStat stat, int slot) {
    }

    /** A regular file, before it has a slot. */
    private record Pending(String path, Path file, FileStat stat) {
    }

    private final Path root;
    private final IgnoreRules rules;
    private final Predicate<String> kept;
    private final Path skipDir; // the cache directory when it lies inside the tree, else null
    private final ProgressReporter progress;
    private final int threads;

    /** Every slot in canonical order: an {@link Entry}, or null for a file still to be chunked. */
    final List<Entry> slots = new ArrayList<>();
    /** The files to chunk, each with its slot. */
    final List<FileTask> files = new ArrayList<>();
    final List<ScanProblem> problems = new ArrayList<>();
    long dirs;
    long symlinks;
    long ignored;
    /** Regular files found. */
    long regularFiles;

    TreeWalker(Path root, IgnoreRules rules, Path skipDir, ProgressReporter progress, int threads) {
        this(root, rules, null, skipDir, progress, threads);
    }

    /** @param kept paths no rule leaves out (see {@link ScanOptions.Builder#kept}); null for none */
    TreeWalker(Path root, IgnoreRules rules, Predicate<String> kept, Path skipDir, ProgressReporter progress,
               int threads) {
        this.root = root;
        this.kept = kept;
        this.rules = rules;
        this.skipDir = skipDir;
        this.progress = progress;
        this.threads = Math.max(1, threads);
    }

    /**
     * Whether the rules leave {@code path} out. With kept paths, a kept directory may be one the
     * rules exclude, so its children are checked against every parent's rules, not only their own.
     */
    private boolean ignored(String path, boolean isDir) {
        if (kept == null) {
            return rules.isIgnoredGivenParentIncluded(path, isDir);
        }
        return !kept.test(path) && rules.isIgnored(path, isDir);
    }

    /** One directory: its entry (null for the root) and, once listed, its children in name order. */
    private static final class Dir {
        final String path; // relative; "" for the root
        final Path dir;
        final Entry entry;
        Object[] items = new Object[0]; // Entry, Pending or Dir
        List<ScanProblem> problems;
        int dirs;
        int symlinks;
        int ignored;
        int files;

        Dir(String path, Path dir, Entry entry) {
            this.path = path;
            this.dir = dir;
            this.entry = entry;
        }

        void problem(ScanProblem p) {
            if (problems == null) {
                problems = new ArrayList<>(2);
            }
            problems.add(p);
        }
    }

    /** Walks the whole tree; problems below the root are collected, not thrown. */
    void walk() throws IOException {
        Dir top = new Dir("", root, null);
        if (threads == 1) {
            ArrayDeque<Dir> todo = new ArrayDeque<>();
            todo.push(top);
            while (!todo.isEmpty()) {
                list(todo.pop(), todo::push);
            }
        } else {
            walkInParallel(top);
        }
        layOut(top);
    }

    private void walkInParallel(Dir top) throws IOException {
        Parallel run = new Parallel();
        ForkJoinPool pool = new ForkJoinPool(threads, Workers.INSTANCE, null, false);
        try {
            run.schedule(top);
            pool.execute(run.new Listing(top));
            try {
                run.done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("scan interrupted");
            }
        } finally {
            pool.shutdownNow();
        }
        Throwable t = run.failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
    }

    /**
     * One parallel walk: a count of directories scheduled but not yet listed, and a latch opened
     * when it drops to zero (each listing schedules its subdirectories before it counts itself
     * done, so zero means the whole tree is listed).
     */
    private final class Parallel {
        final AtomicInteger pending = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        void schedule(Dir d) {
            pending.incrementAndGet();
        }

        /** Lists one directory in the pool and forks a task for each subdirectory (never joined). */
        final class Listing extends RecursiveAction {
            private final Dir dir;

            Listing(Dir dir) {
                this.dir = dir;
            }

            @Override
            protected void compute() {
                try {
                    if (failure.get() == null) {
                        list(dir, d -> {
                            schedule(d);
                            new Listing(d).fork();
                        });
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (pending.decrementAndGet() == 0) {
                        done.countDown();
                    }
                }
            }
        }
    }

    /**
     * Whether names can be listed as strings ({@link java.io.File#list}) rather than as paths:
     * only when the platform decodes file names as UTF-8, where a name that is not valid UTF-8
     * comes back with U+FFFD (non-ASCII) and sends its directory down the byte-exact path. A
     * directory of ASCII names is then listed without a path object, a lock or an iterator per
     * entry, and sorted in natural string order (which equals the canonical order for ASCII).
     */
    private static final boolean NAMES_AS_STRINGS = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"))
            && java.io.File.separatorChar == '/';

    /** Lists {@code d}, stats each child, and hands each subdirectory to {@code schedule}. */
    private void list(Dir d, Consumer<Dir> schedule) {
        if (NAMES_AS_STRINGS && listAscii(d, schedule)) {
            return;
        }
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(d.dir)) {
            for (Path child : stream) {
                children.add(child);
            }
        } catch (IOException e) {
            d.problem(ioProblem(d.path.isEmpty() ? "." : d.path, e, "cannot list directory"));
            return;
        } catch (DirectoryIteratorException e) {
            d.problem(ioProblem(d.path.isEmpty() ? "." : d.path, e.getCause(), "cannot list directory"));
            return;
        }
        int n = children.size();
        String[] names = new String[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            names[i] = children.get(i).getFileName().toString();
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> ManifestPath.compare(names[a], names[b]));
        collect(d, n, i -> visit(d, names[order[i]], children.get(order[i])), schedule);
    }

    /**
     * {@link #list} for a directory whose names are all ASCII: names as strings, sorted in
     * natural order, one path made per child for its {@code lstat}. False (nothing done) when
     * the directory cannot be listed this way or holds a non-ASCII name.
     */
    private boolean listAscii(Dir d, Consumer<Dir> schedule) {
        String[] names = d.dir.toFile().list();
        if (names == null) {
            return false; // the byte-exact path reports why
        }
        for (String name : names) {
            for (int i = 0, n = name.length(); i < n; i++) {
                if (name.charAt(i) >= 0x80) {
                    return false;
                }
            }
        }
        Arrays.sort(names);
        int n = names.length;
        collect(d, n, i -> visit(d, names[i], d.dir.resolve(names[i]), true), schedule);
        return true;
    }

    /**
     * Visits a directory's {@code n} children in canonical order ({@code visitAt(i)} is the i-th),
     * keeps what they yield as the directory's items and schedules the subdirectories.
     */
    private static void collect(Dir d, int n, java.util.function.IntFunction<Object> visitAt, Consumer<Dir> schedule) {
        Object[] items = new Object[n];
        int k = 0;
        List<Dir> below = null;
        for (int i = 0; i < n; i++) {
            Object item = visitAt.apply(i);
            if (item != null) {
                items[k++] = item;
                if (item instanceof Dir) {
                    if (below == null) {
                        below = new ArrayList<>();
                    }
                    below.add((Dir) item);
                }
            }
        }
        d.items = k == n ? items : Arrays.copyOf(items, k);
        if (below != null) {
            for (Dir sub : below) {
                schedule.accept(sub);
            }
        }
    }

    private Object visit(Dir parent, String name, Path child) {
        return visit(parent, name, child, false);
    }

    /**
     * What one child becomes: an Entry, a Pending file, a Dir to list, or null (ignored, or a
     * problem). {@code ascii}: the name is known to be ASCII (so it round-trips).
     */
    private Object visit(Dir parent, String name, Path child, boolean ascii) {
        String path = parent.path.isEmpty() ? name : parent.path + "/" + name;
        FileStat stat;
        try {
            stat = FileStat.of(child);
        } catch (IOException e) {
            parent.problem(ioProblem(path, e, "cannot stat"));
            return null;
        }
        boolean isDir = stat.kind() == FileStat.Kind.DIR;
        if (ignored(path, isDir) || (isDir && child.equals(skipDir))) {
            parent.ignored++;
            return null;
        }
        String invalid = ascii ? ManifestPath.childProblem(parent.path, name) : nameProblem(child, path);
        if (invalid != null) {
            parent.problem(new ScanProblem(path, ScanProblem.Kind.INVALID_NAME, invalid));
            return null;
        }
        switch (stat.kind()) {
            case FILE:
                parent.files++;
                progress.found(stat.size());
                return new Pending(path, child, stat);
            case DIR:
                parent.dirs++;
                return new Dir(path, child, Entry.dir(path, stat.mode(), stat.mtimeNanos()));
            case SYMLINK:
                Entry link = symlink(parent, path, child, stat);
                if (link != null) {
                    parent.symlinks++;
                }
                return link;
            default:
                parent.problem(new ScanProblem(path, ScanProblem.Kind.UNSUPPORTED_TYPE,
                        "not a regular file, directory or symlink (FIFO, socket or device)"));
                return null;
        }
    }

    /** Lays the listed tree out in canonical order: slots, file tasks, problems and counts. */
    private void layOut(Dir top) {
        ArrayDeque<Dir> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>();
        stack.push(top);
        next.push(0);
        collect(top);
        while (!stack.isEmpty()) {
            Dir d = stack.peek();
            int i = next.pop();
            if (i == d.items.length) {
                stack.pop();
                continue;
            }
            next.push(i + 1);
            Object item = d.items[i];
            if (item instanceof Entry) {
                slots.add((Entry) item);
            } else if (item instanceof Pending) {
                Pending p = (Pending) item;
                files.add(new FileTask(p.path(), p.file(), p.stat(), slots.size()));
                slots.add(null);
            } else {
                Dir sub = (Dir) item;
                slots.add(sub.entry);
                collect(sub);
                stack.push(sub);
                next.push(0);
            }
        }
    }

    private void collect(Dir d) {
        if (d.problems != null) {
            problems.addAll(d.problems);
        }
        dirs += d.dirs;
        symlinks += d.symlinks;
        ignored += d.ignored;
        regularFiles += d.files;
    }

    private static Entry symlink(Dir parent, String path, Path link, FileStat stat) {
        Path target;
        try {
            target = Files.readSymbolicLink(link);
        } catch (IOException e) {
            parent.problem(ioProblem(path, e, "cannot read symlink"));
            return null;
        }
        String t = target.toString();
        if (!roundTrips(target)) {
            parent.problem(new ScanProblem(path, ScanProblem.Kind.INVALID_SYMLINK,
                    "symlink target is not valid UTF-8 and cannot be carried in a manifest"));
            return null;
        }
        try {
            // A symlink's own mtime can be set only to the microsecond from Java (lutimes), so it is
            // recorded at that precision: an applied tree then matches its manifest exactly.
            return Entry.symlink(path, t, Math.floorDiv(stat.mtimeNanos(), 1000L) * 1000L);
        } catch (IllegalArgumentException e) {
            parent.problem(new ScanProblem(path, ScanProblem.Kind.INVALID_SYMLINK, e.getMessage()));
            return null;
        }
    }

    /** Why {@code path} cannot go into a manifest, or null when it can. */
    private static String nameProblem(Path child, String path) {
        if (!roundTrips(child.getFileName())) {
            return "name is not valid UTF-8 (or not representable in the platform charset)";
        }
        try {
            ManifestPath.validate(path);
            return null;
        } catch (UnsafePathException e) {
            return e.getMessage();
        }
    }

    /**
     * False when the text of {@code p}, turned back into a path, is not the same bytes on disk:
     * the platform decoded invalid bytes lossily (to U+FFFD or '?'). Checked only for non-ASCII
     * text, where that can happen.
     */
    private static boolean roundTrips(Path p) {
        String s = p.toString();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return p.getFileSystem().getPath(s).equals(p);
            }
        }
        return true;
    }

    /** Daemon threads named delta-walk-N, so a stuck directory never keeps the JVM alive. */
    private static final class Workers implements ForkJoinPool.ForkJoinWorkerThreadFactory {
        static final Workers INSTANCE = new Workers();
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public ForkJoinWorkerThread newThread(ForkJoinPool pool) {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("delta-walk-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    static ScanProblem ioProblem(String path, IOException e, String what) {
        if (e instanceof NoSuchFileException) {
            return new ScanProblem(path, ScanProblem.Kind.VANISHED, what + ": it disappeared during the scan");
        }
        if (e instanceof AccessDeniedException) {
            return new ScanProblem(path, ScanProblem.Kind.UNREADABLE, what + ": permission denied");
        }
        String msg = e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.getMessage();
        return new ScanProblem(path, ScanProblem.Kind.UNREADABLE, what + ": "
                + (msg == null ? e.getClass().getSimpleName() : msg));
    }
}
