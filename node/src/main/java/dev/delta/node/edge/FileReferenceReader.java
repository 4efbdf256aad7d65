package dev.delta.node.edge;

import dev.delta.protocol.client.ReferenceReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads windows of a file of a committed release (the sync's base) for the protocol client to
 * apply patches against. Opened on the first window asked for; a symlink in the file's place is not
 * followed. A copy shorter than the window leaves arbitrary bytes in the rest: the chunks rebuilt from it
 * then fail their ids and are fetched again without a reference, which is also what happens when
 * the file cannot be read at all.
 */
final class FileReferenceReader implements ReferenceReader {
    private final Path file;
    private final ReadTime time;
    private FileChannel channel;
    private boolean unreadable;

    /** Time spent and bytes read in windows, over all the readers of a sync (for its debug log). */
    static final class ReadTime {
        final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
    }

    FileReferenceReader(Path releaseDir, String path) {
        this(releaseDir, path, null);
    }

    FileReferenceReader(Path releaseDir, String path, ReadTime time) {
        this.file = releaseDir.resolve(path);
        this.time = time;
    }

    /**
     * Windows are read into this one buffer, grown as needed: a request's windows are used one at
     * a time, and a new array per window (tens of KiB, thousands of them in a big file's sync) cost
     * the connection's I/O thread more than reading them. It starts at the first window's size
     * (rounded up to 4 KiB) and at least doubles when a window does not fit: a reader is made
     * per request, and for the thousand small files of a source-tree update a fixed 64 KiB each
     * was 64 MB of zeroed arrays for windows of a few KiB. Pooled and direct (given back at
     * {@link #close}): a heap array per request was still zeroed, and read into through a
     * temporary direct buffer, on the I/O thread (perf of a release tar's update: 100 of its 460
     * samples in the windows' reads, session 15).
     */
    private ByteBuf pooled;
    private ByteBuffer buffer;

    @Override
    public ByteBuffer read(long offset, int length) {
        if (buffer == null || buffer.capacity() < length) {
            int grown = buffer == null ? 0 : (int) Math.min(Integer.MAX_VALUE - 4096, 2L * buffer.capacity());
            int capacity = (Math.max(length, grown) + 4095) & ~4095;
            release();
            pooled = ByteBufAllocator.DEFAULT.directBuffer(capacity, capacity);
            buffer = pooled.nioBuffer(0, capacity);
        }
        ByteBuffer b = buffer.clear().limit(length);
        long t0 = time == null ? 0 : System.nanoTime();
        try {
            if (channel == null && !unreadable) {
                channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            while (channel != null && b.hasRemaining()) {
                if (channel.read(b, offset + b.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            unreadable = true;
        }
        if (time != null) {
            time.nanos.addAndGet(System.nanoTime() - t0);
            time.bytes.addAndGet(length);
        }
        return b.flip().limit(length); // past a short read: whatever the buffer held, as for a copy that shrank
    }

    /** Whether the reader holds a pooled buffer (between its first read and its close). */
    boolean holdsBuffer() {
        return pooled != null;
    }

    private void release() {
        if (pooled != null) {
            pooled.release();
            pooled = null;
            buffer = null;
        }
    }

    /** Closes the file and gives the buffer back: a window read before is no longer valid. */
    @Override
    public void close() throws IOException {
        release();
        if (channel != null) {
            channel.close();
        }
    }
}
