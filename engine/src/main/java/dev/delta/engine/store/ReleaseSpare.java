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
 * as much again, and {@link #KEEP_FREE_BYTES} more, free. It is always a file of its own, made
 * for this: a pruned release's big file is never kept as one, since a reader that still holds it
 * open or mapped (a download, a model server) must keep seeing the bytes it opened. Off with
 * {@code -Ddelta.spare=false} (the next idle pass then removes a spare there is). Callers hold the
 * dataset lock, but for {@link #flush}.
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

    /** Whether spares are used (written and taken); {@code -Ddelta.spare=false} turns them off. */
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
     * {@code abort} between them) unless one at least that big already is, cuts one more than a
     * sixteenth bigger down to size, and removes a spare the release no longer wants, or all of
     * them when spares are off. The new spare's pages are written back by the kernel in its own
     * time; {@link #flush} waits for that, outside the dataset's lock.
     */
    public static Outcome prepare(DatasetStore store, Manifest current, BooleanSupplier abort) throws IOException {
        boolean on = enabled();
        Path root = root(store);
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(root); // not a directory we made (a symlink is removed, never followed)
            }
            if (!on) {
                return Outcome.OFF;
            }
            Files.createDirectory(root);
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!on || !p.equals(file(store))) {
                    DatasetStore.deleteTree(p); // spares are off, a write cut short, or something not ours
                }
            }
        }
        if (!on) {
            return Outcome.OFF;
        }
        long want = wanted(current);
        long have = size(store);
        if (want == 0) {
            DatasetStore.deleteTree(file(store));
            return Outcome.NOT_WANTED;
        }
        if (have >= want) {
            if (have > want + want / 16) { // the release's biggest file shrank: give the disk back
                try (FileChannel ch = FileChannel.open(file(store), StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
                    ch.truncate(want);
                }
            }
            return Outcome.READY;
        }
        if (Files.getFileStore(root).getUsableSpace() + have - want < want + KEEP_FREE_BYTES) {
            return Outcome.NO_ROOM;
        }
        Path partial = root.resolve("partial");
        ByteBuffer piece = ByteBuffer.allocateDirect(PIECE);
        boolean done = false;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            ReleaseBuilder.setMode(partial, 0600); // whatever the umask: the build writes over it
            for (long at = 0, n = 0; at < want; n++) {
                if (n % PIECES_PER_CHECK == 0 && abort.getAsBoolean()) {
                    return Outcome.STOPPED;
                }
                piece.clear().limit((int) Math.min(PIECE, want - at));
                while (piece.hasRemaining()) {
                    at += ch.write(piece, at);
                }
            }
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
     * Waits for the spare's pages to reach the disk, so that their write-back is the idle time's
     * and not the next update's. Needs no lock: a build that takes the spare meanwhile writes
     * over the same file, and this only flushes it.
     */
    public static void flush(DatasetStore store) throws IOException {
        try (FileChannel ch = FileChannel.open(file(store), StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(false);
        } catch (NoSuchFileException e) {
            // taken already
        }
    }

    /**
     * Moves the spare to {@code dst} (a path in staging where nothing is) and gives it
     * {@code size} bytes; returns false, changing nothing, when there is no spare or spares are
     * off. For files of {@link #MIN_BYTES} or more (the caller checks). Safe to call from several
     * threads: one of them gets it.
     */
    static boolean take(DatasetStore store, Path dst, long size) throws IOException {
        if (!enabled()) {
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
}
