package dev.delta.node.bench;

import dev.delta.engine.store.DatasetStore;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The trees of finished steps, left on disk until the run ends rather than deleted between steps.
 *
 * <p>On ext4 without a journal (the root file system of many cloud VMs, ours included), the inode
 * allocator skips every inode freed in the last minute, or the last six minutes while its inode
 * table block has unwritten changes, and reads that block to find out: each new file costs a scan
 * over all the recently freed inodes of its group. A step that creates 80,000 files within minutes
 * of the previous step's {@code rm -rf} of 80,000 others is quadratic in the kernel: measured here,
 * a cold edge sync of the spec tree took 55-60 s with 49-60 s of system time right after such a
 * delete, and 15.5-19.7 s with 7-11 s of system time when nothing had been deleted for three to
 * nine minutes ({@code recently_deleted} in 0.4% of the writer threads' perf samples instead of
 * 60%). Which tool ran first after a delete decided its time; kept until the end, no step pays
 * for another's clean-up. With {@code --keep} nothing is deleted at all.
 *
 * <p>When the disk runs short of room for the next step, the leftovers go at once, with a note
 * that the following steps may be slowed.
 */
final class Leftovers {
    private final List<Path> dirs = new ArrayList<>();
    private final LongSupplier freeBytes;
    private final PrintWriter out;

    Leftovers(LongSupplier freeBytes, PrintWriter out) {
        this.freeBytes = freeBytes;
        this.out = out;
    }

    /** Free bytes of the file system holding {@code dir}, for {@link #Leftovers}. */
    static LongSupplier freeSpaceOf(Path dir) {
        return () -> {
            try {
                return Files.getFileStore(dir).getUsableSpace();
            } catch (IOException e) {
                return 0; // unknown: clean up rather than risk a full disk in the middle of a step
            }
        };
    }

    /** Keeps a finished step's tree until the run ends or room is needed. */
    void retire(Path dir) {
        if (Files.exists(dir)) {
            dirs.add(dir);
        }
    }

    /** Deletes the leftovers now if fewer than {@code needBytes} are free. */
    void makeRoom(long needBytes) throws IOException {
        if (dirs.isEmpty()) {
            return;
        }
        long free = freeBytes.getAsLong();
        if (free >= needBytes) {
            return;
        }
        out.printf("only %,d MB free, the next step wants %,d MB: removing the finished steps' trees now "
                + "(on ext4 without a journal, files created in the next minutes are slower to make)%n",
                free >> 20, needBytes >> 20);
        out.flush();
        for (Path d : dirs) {
            DatasetStore.deleteTree(d);
        }
        dirs.clear();
    }

    /** The trees kept so far, oldest first. */
    List<Path> kept() {
        return List.copyOf(dirs);
    }
}
