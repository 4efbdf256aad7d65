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
import java.util.List;

/**
 * The first, cheap phase of a scan: lists the tree depth-first with one {@code lstat} per
 * entry, never following symlinks and never descending into ignored directories. Directories
 * and symlinks become manifest entries at once; regular files become {@link FileTask}s for the
 * chunking phase. Anything it cannot represent or read becomes a {@link ScanProblem}.
 *
 * <p>Uses an explicit stack, so depth is bounded by memory, not by the thread's stack.
 */
final class TreeWalker {
    /** A regular file found by the walk, waiting to be chunked. */
    record FileTask(String path, Path file, FileStat stat) {
    }

    private final Path root;
    private final IgnoreRules rules;
    private final Path skipDir; // the cache directory when it lies inside the tree, else null
    private final ProgressReporter progress;

    final List<Entry> entries = new ArrayList<>();
    final List<FileTask> files = new ArrayList<>();
    final List<ScanProblem> problems = new ArrayList<>();
    long dirs;
    long symlinks;
    long ignored;

    TreeWalker(Path root, IgnoreRules rules, Path skipDir, ProgressReporter progress) {
        this.root = root;
        this.rules = rules;
        this.skipDir = skipDir;
        this.progress = progress;
    }

    /** Walks the whole tree; problems below the root are collected, not thrown. */
    void walk() {
        ArrayDeque<String> pending = new ArrayDeque<>(); // relative directory paths; "" is the root
        pending.push("");
        while (!pending.isEmpty()) {
            String dirPath = pending.pop();
            Path dir = dirPath.isEmpty() ? root : root.resolve(dirPath);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    visit(dirPath, child, pending);
                }
            } catch (IOException e) {
                problems.add(ioProblem(dirPath.isEmpty() ? "." : dirPath, e, "cannot list directory"));
            } catch (DirectoryIteratorException e) {
                problems.add(ioProblem(dirPath, e.getCause(), "cannot list directory"));
            }
        }
    }

    private void visit(String parent, Path child, ArrayDeque<String> pending) {
        String name = child.getFileName().toString();
        String path = parent.isEmpty() ? name : parent + "/" + name;
        FileStat stat;
        try {
            stat = FileStat.of(child);
        } catch (IOException e) {
            problems.add(ioProblem(path, e, "cannot stat"));
            return;
        }
        boolean isDir = stat.kind() == FileStat.Kind.DIR;
        if (rules.isIgnoredGivenParentIncluded(path, isDir) || (isDir && child.equals(skipDir))) {
            ignored++;
            return;
        }
        String invalid = nameProblem(child, path);
        if (invalid != null) {
            problems.add(new ScanProblem(path, ScanProblem.Kind.INVALID_NAME, invalid));
            return;
        }
        switch (stat.kind()) {
            case FILE:
                files.add(new FileTask(path, child, stat));
                progress.found(stat.size());
                break;
            case DIR:
                entries.add(Entry.dir(path, stat.mode(), stat.mtimeNanos()));
                dirs++;
                pending.push(path);
                break;
            case SYMLINK:
                symlink(path, child, stat);
                break;
            default:
                problems.add(new ScanProblem(path, ScanProblem.Kind.UNSUPPORTED_TYPE,
                        "not a regular file, directory or symlink (FIFO, socket or device); skipped"));
                break;
        }
    }

    private void symlink(String path, Path link, FileStat stat) {
        Path target;
        try {
            target = Files.readSymbolicLink(link);
        } catch (IOException e) {
            problems.add(ioProblem(path, e, "cannot read symlink"));
            return;
        }
        String t = target.toString();
        if (!roundTrips(target)) {
            problems.add(new ScanProblem(path, ScanProblem.Kind.INVALID_SYMLINK,
                    "symlink target is not valid UTF-8 and cannot be carried in a manifest"));
            return;
        }
        try {
            // A symlink's own mtime can be set only to the microsecond from Java (lutimes), so it is
            // recorded at that precision: an applied tree then matches its manifest exactly.
            entries.add(Entry.symlink(path, t, Math.floorDiv(stat.mtimeNanos(), 1000L) * 1000L));
            symlinks++;
        } catch (IllegalArgumentException e) {
            problems.add(new ScanProblem(path, ScanProblem.Kind.INVALID_SYMLINK, e.getMessage()));
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
