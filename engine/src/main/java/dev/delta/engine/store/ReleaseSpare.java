package dev.delta.engine.store;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.BooleanSupplier;

/**
 * One spare file per dataset, written while a node is idle, that the next {@link ReleaseBuilder}
 * turns into a big file it makes anew: the update writes over pages the page cache already holds
 * and blocks the file system already gave out, instead of having new ones handed out while the
 * update waits.
 *
 * <p>Why: a new file's pages come from free memory, and a VM hands memory it has not touched for
 * a few seconds back to its host (free page reporting, the balloon device of most cloud VMs);
 * writing into such memory costs a host fault per page. On the VMs Delta is measured on, a new
 * gigabyte written after 30 s of quiet took 3.1-3.4 s, the same gigabyte written over a file
 * whose pages were cached 0.3-0.5 s. An update of a big file (a release packed as one tar, a
 * model file) writes the whole new file, as rsync does; with a spare, that write no longer waits
 * for the host.
 *
 * <p>Layout: {@code .delta/spare/file} is the spare, a regular file with one link that nothing
 * else refers to; {@code .delta/spare/partial} is one being written. What a spare holds is never
 * trusted: the builder writes every byte of the file it becomes (copies, ranges, and zeros over
 * its zero runs) and checks the file against its SHA-256 like any other. The spare is as big as
 * the biggest file of the current release ({@link #MIN_BYTES} or more), a sixteenth more for
 * growth; it costs that much disk between updates, never more at the peak (an update of that file
 * needs as much room in staging anyway), and is written only while the file system keeps at least
 * as much again, and {@link #KEEP_FREE_BYTES} more, free. A release an edge prunes gives its big
 * file, when nothing else links to it, to the spare instead of being deleted (as a database
 * recycles its log segments). Off with {@code -Ddelta.spare=false}. Callers hold the dataset lock.
 */
public final class ReleaseSpare {
    /** The smallest file made anew that takes the spare, and the smallest spare written. */
    public static final long MIN_BYTES = 64L << 20;
    /** Free space a spare leaves, beyond room for one more file of its size. */
    static final long KEEP_FREE_BYTES = 1L << 30;
    private static final int PIECE = 1 << 20;
    /** Pieces written between two checks of the abort flag. */
    private static final int PIECES_PER_CHECK = 32;

    private ReleaseSpare() {
    }

    /** Whether spares are used (written, taken and recycled); {@code -Ddelta.spare=false} turns them off. */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty("delta.spare", "true"));
    }

    static Path root(DatasetStore store) {
        return store.root().resolve(".delta/spare");
    }

    /** The spare itself (there or not). */
    public static Path file(DatasetStore store) {
        return root(store).resolve("file");
    }

    /** Size of the spare, or 0 when there is none. */
    public static long size(DatasetStore store) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file(store), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a.size() : 0;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** The size of spare {@code current} wants: 0 when its biggest file is under {@link #MIN_BYTES}. */
    public static long wanted(Manifest current) {
        long biggest = 0;
        for (Entry e : current.entries()) {
            if (e.isFile()) {
                biggest = Math.max(biggest, e.size());
            }
        }
        if (biggest < MIN_BYTES) {
            return 0;
        }
        long withGrowth = biggest + biggest / 16;
        return (withGrowth + PIECE - 1) / PIECE * PIECE;
    }

    /** What {@link #prepare} did. */
    public enum Outcome {
        /** A spare big enough was there already. */
        READY,
        /** One was written just now. */
        WRITTEN,
        /** The current release has no file big enough to want one (any spare there was removed). */
        NOT_WANTED,
        /** The file system has too little room for one. */
        NO_ROOM,
        /** Stopped by {@code abort}; nothing half-written is left as the spare. */
        STOPPED,
        /** Spares are off. */
        OFF
    }

    /**
     * Makes sure the spare {@code current} wants is there: writes one (in pieces, checking
     * {@code abort} between batches) unless one at least that big already is, and removes a
     * spare the release no longer wants.
     */
    public static Outcome prepare(DatasetStore store, Manifest current, BooleanSupplier abort) throws IOException {
        if (!enabled()) {
            return Outcome.OFF;
        }
        Path root = Files.createDirectories(root(store));
        Path partial = root.resolve("partial");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!p.equals(file(store))) {
                    DatasetStore.deleteTree(p); // a write cut short, or something that is not ours
                }
            }
        }
        long want = wanted(current);
        long have = size(store);
        if (want == 0) {
            DatasetStore.deleteTree(file(store));
            return Outcome.NOT_WANTED;
        }
        if (have >= want) {
            return Outcome.READY;
        }
        if (Files.getFileStore(root).getUsableSpace() + have - want < want + KEEP_FREE_BYTES) {
            return Outcome.NO_ROOM;
        }
        ByteBuffer piece = ByteBuffer.allocateDirect(PIECE);
        boolean done = false;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            for (long at = 0, n = 0; at < want; n++) {
                if (n % PIECES_PER_CHECK == 0 && abort.getAsBoolean()) {
                    return Outcome.STOPPED;
                }
                piece.clear().limit((int) Math.min(PIECE, want - at));
                while (piece.hasRemaining()) {
                    at += ch.write(piece, at);
                }
            }
            // On disk before it counts as ready: its write-back is the idle time's, not the update's.
            ch.force(false);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(partial);
            }
        }
        Files.move(partial, file(store), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return Outcome.WRITTEN;
    }

    /**
     * Moves the spare to {@code dst} (a path in staging where nothing is) and gives it
     * {@code size} bytes; returns false, changing nothing, when there is no spare, spares are
     * off, or {@code size} is under {@link #MIN_BYTES}. Safe to call from several threads: one
     * of them gets it.
     */
    static boolean take(DatasetStore store, Path dst, long size) throws IOException {
        if (size < MIN_BYTES || !enabled()) {
            return false;
        }
        Path spare = file(store);
        try {
            Files.move(spare, dst, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false; // none, or another thread took it
        }
        try (FileChannel ch = FileChannel.open(dst, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() > size) {
                ch.truncate(size);
            }
        }
        return true;
    }

    /**
     * Keeps {@code file}, a file of a release being removed, as the spare when it is a regular
     * file of at least {@link #MIN_BYTES} with no other link, and bigger than the spare there is
     * (which it replaces); returns whether it did. The caller deletes it otherwise.
     */
    static boolean recycle(DatasetStore store, Path file, BasicFileAttributes attrs) throws IOException {
        if (!enabled() || !attrs.isRegularFile() || attrs.size() < MIN_BYTES || attrs.size() <= size(store)) {
            return false;
        }
        try {
            if ((Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) != 1) {
                return false; // another release (or a mirror) links to it: never written into
            }
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false; // no link count to check
        }
        Files.createDirectories(root(store));
        ReleaseBuilder.setMode(file, 0600); // a release's files are often read-only; the spare is written
        Files.move(file, file(store), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }
}
