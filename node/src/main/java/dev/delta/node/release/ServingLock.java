package dev.delta.node.release;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Says that a running node serves a dataset: {@code <dataset>/.delta/serving.lock}, held with an
 * operating-system file lock for as long as the node runs (the lock goes with the process, even
 * after {@code kill -9}). A publish that finds it held leaves the work that only cold edges need
 * to that node, which does it while no peer is asking for anything (see {@code IdlePacker}).
 */
public final class ServingLock implements AutoCloseable {
    /**
     * Lock files this process holds. Never opened a second time while held: closing any channel
     * to a file drops every lock the process has on it (POSIX record locks).
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private ServingLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    static Path file(Path datasetRoot) {
        return datasetRoot.toAbsolutePath().normalize().resolve(".delta/serving.lock");
    }

    /** Takes the lock of the dataset at {@code datasetRoot}; null when a node (here or elsewhere) holds it. */
    public static ServingLock tryAcquire(Path datasetRoot) throws IOException {
        Path f = file(datasetRoot);
        if (!HELD.add(f)) {
            return null; // a node in this process holds it
        }
        try {
            Files.createDirectories(f.getParent());
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return new ServingLock(f, ch, l);
                }
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            ch.close();
        } catch (IOException | RuntimeException e) {
            HELD.remove(f);
            throw e;
        }
        HELD.remove(f);
        return null;
    }

    /** Whether a running node serves the dataset at {@code datasetRoot}. */
    public static boolean isHeld(Path datasetRoot) {
        Path f = file(datasetRoot);
        if (HELD.contains(f)) {
            return true;
        }
        if (!Files.exists(f)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException heldInThisProcess) {
            return true;
        } catch (IOException e) {
            return false; // cannot tell: the publish does the work itself
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(file);
            }
        }
    }
}
