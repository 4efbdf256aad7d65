package dev.delta.engine.store;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fetched file's SHA-256, computed in order while its ranges arrive: every byte not pending is
 * already in staging (copied locally, or verified there by a previous attempt), so the digest
 * advances through each complete stretch as soon as the range before it lands, and the last
 * range leaves only a short tail to hash instead of the whole file.
 *
 * <p>A range that lands exactly where the digest stands is hashed from the bytes just written,
 * still in memory; only stretches that became contiguous out of order (or were copied locally)
 * are read back from staging. A file fetched as one range, or whose ranges arrive in order, is
 * therefore never read again.
 */
final class ProgressiveDigest {
    /** Read-back buffer, one per thread: never a fresh (and, at 1 MiB, humongous) array per file. */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(256 << 10));

    private final Path file;
    private final Entry entry;
    private final LongAdder reread;
    private MessageDigest md;
    /** Complete stretches not yet hashed: start -> end; null while there is none. */
    private java.util.TreeMap<Long, Long> done;
    private long hashed;

    /**
     * @param file          the file in staging
     * @param entry         its entry in the target manifest (size, SHA-256)
     * @param pendingRanges its ranges still to arrive, sorted by offset; every other byte is in the file already
     * @param reread        counts the bytes read back from staging
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges, LongAdder reread) {
        this.file = file;
        this.entry = entry;
        this.reread = reread;
        long at = 0;
        for (FetchRange r : pendingRanges) {
            if (r.offset() > at) {
                stretch(at, r.offset());
            }
            at = Math.max(at, r.offset() + r.length());
        }
        if (entry.size() > at) {
            stretch(at, entry.size());
        }
    }

    private void stretch(long from, long to) {
        if (done == null) {
            done = new java.util.TreeMap<>();
        }
        done.merge(from, to, Math::max);
    }

    /**
     * Notes that {@code [from, to)} is in staging and hashes whatever became contiguous.
     *
     * @param data the bytes just written there (remaining: exactly {@code to - from}), or null
     */
    synchronized void complete(long from, long to, ByteBuffer data) throws IOException {
        advance();
        if (data != null && from == hashed && to > from) {
            digest().update(data.duplicate());
            hashed = to;
        } else {
            stretch(from, to);
        }
        advance();
    }

    /** Hashes, from staging, the recorded stretches that start where the digest stands. */
    private void advance() throws IOException {
        if (done == null) {
            return;
        }
        Map.Entry<Long, Long> first;
        while ((first = done.firstEntry()) != null && first.getKey() <= hashed) {
            done.pollFirstEntry();
            if (first.getValue() > hashed) {
                hash(hashed, first.getValue());
                hashed = first.getValue();
            }
        }
    }

    /** Checks the digest once every byte is in. */
    synchronized void verify() throws IOException {
        complete(entry.size(), entry.size(), null);
        if (hashed != entry.size() || !MessageDigest.isEqual(digest().digest(), entry.sha256())) {
            throw new StoreException("verification failed: " + entry.path() + " in staging does not match its "
                    + "SHA-256 (hashed " + hashed + " of " + entry.size() + " bytes); the release is not committed");
        }
    }

    private MessageDigest digest() {
        if (md == null) {
            md = Sha256.newDigest();
        }
        return md;
    }

    private void hash(long from, long to) throws IOException {
        ByteBuffer buf = BUFFER.get();
        MessageDigest d = digest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            for (long at = from; at < to; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), to - at));
                int n = ch.read(buf, at);
                if (n <= 0) {
                    throw new StoreException(entry.path() + " in staging is shorter than " + to + " bytes");
                }
                d.update(buf.array(), 0, n);
                at += n;
            }
        }
        reread.add(to - from);
    }

    /** A buffer for reading staged files back, one per thread. */
    static ByteBuffer buffer() {
        return BUFFER.get();
    }
}
