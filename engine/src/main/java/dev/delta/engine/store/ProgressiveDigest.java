package dev.delta.engine.store;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.plan.Segment;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
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
 * still in memory; only stretches that became contiguous out of order (or were copied locally by
 * the kernel, as a small file's copies are) are read back from staging. A file fetched as one
 * range, or whose ranges arrive in order, is therefore never read again.
 *
 * <p>One thread at a time hashes (it holds the token); a thread that completes a stretch while
 * another hashes only records it, and the hashing thread takes it in before it lets go. Local
 * copies of a big file made while the ranges arrive are fed to it in file order, from memory, by
 * one hashing thread ({@link #feed}): from the first such piece on, the digest is that thread's to
 * drive, and a range landing meanwhile is hashed by its writer only if it is exactly next (from
 * memory, briefly), else recorded for the feeding thread, so that the copies' bytes are hashed
 * from memory rather than read back by whichever writer happened to hold the token.
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
    /** Bytes hashed so far, from the start; written by the token holder, under the lock. */
    private long hashed;
    /** Whether a thread is hashing (holds the token). */
    private boolean hashing;
    /** Set by the first {@link #feed}: writers no longer drain (read back) stretches. */
    private boolean fed;
    private IOException failed;

    /**
     * @param file          the file in staging
     * @param entry         its entry in the target manifest (size, SHA-256)
     * @param pendingRanges its ranges still to arrive, sorted by offset; every other byte is in the file already
     * @param reread        counts the bytes read back from staging
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges, LongAdder reread) {
        this(file, entry, pendingRanges, List.of(), reread);
    }

    /**
     * @param deferredCopies its LOCAL segments still to be copied: not in the file yet either
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges, List<Segment> deferredCopies,
                      LongAdder reread) {
        this.file = file;
        this.entry = entry;
        this.reread = reread;
        List<long[]> missing = new ArrayList<>(pendingRanges.size() + deferredCopies.size());
        for (FetchRange r : pendingRanges) {
            missing.add(new long[]{r.offset(), r.end()});
        }
        for (Segment s : deferredCopies) {
            missing.add(new long[]{s.offset(), s.end()});
        }
        if (!deferredCopies.isEmpty()) {
            missing.sort(java.util.Comparator.comparingLong(m -> m[0]));
        }
        long at = 0;
        for (long[] m : missing) {
            if (m[0] > at) {
                stretch(at, m[0]);
            }
            at = Math.max(at, m[1]);
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
     * Notes that {@code [from, to)} is in staging and hashes whatever became contiguous, unless
     * another thread is hashing (that one takes it in).
     *
     * @param data the bytes just written there (remaining: exactly {@code to - from}), or null
     */
    void complete(long from, long to, ByteBuffer data) throws IOException {
        synchronized (this) {
            if (hashing || failed != null) {
                stretch(from, to); // the thread hashing takes it in
                return;
            }
            if (data == null || from != hashed || to <= from) {
                stretch(from, to);
                if (fed) {
                    return; // the feeding thread reads it back when the digest gets there
                }
                data = null;
            }
            hashing = true;
        }
        if (data != null) {
            hashHeld(data, to); // in order: from memory, never read back
            synchronized (this) {
                if (fed) { // decided now: the feeding thread may have finished meanwhile
                    hashing = false;
                    notifyAll();
                    return;
                }
            }
        }
        drain();
    }

    /**
     * A locally copied piece {@code [from, to)}, in staging already and its bytes still in
     * {@code data}, from the one thread that hashes this file's local copies, in file order:
     * waits for a writer hashing a range, hashes what became contiguous before the piece (reading
     * it back), then the piece itself from memory if the digest got to its start, else records it
     * (ranges before it are still to land; it is read back when its turn comes), and whatever
     * became contiguous after it.
     */
    void feed(long from, long to, ByteBuffer data) throws IOException {
        synchronized (this) {
            fed = true;
            awaitToken("hashing");
            if (failed != null) {
                throw failed;
            }
            hashing = true;
        }
        drain(from, to, data);
    }

    /** Hashes {@code data}, which ends at {@code to}, from memory; the caller holds the token (and loses it on a failure). */
    private void hashHeld(ByteBuffer data, long to) {
        try {
            update(digest(), data);
        } catch (RuntimeException e) {
            synchronized (this) {
                failed = new IOException(e);
                hashing = false;
                notifyAll();
            }
            throw e;
        }
        synchronized (this) {
            hashed = to;
        }
    }

    /**
     * The feeding thread has fed its last piece: writers drain again, and whatever became
     * contiguous is hashed now unless another thread is hashing (that one takes it in).
     */
    void fedAll() throws IOException {
        synchronized (this) {
            fed = false;
            if (hashing || failed != null) {
                return;
            }
            hashing = true;
        }
        drain();
    }

    /** Hashes the stretches that start where the digest stands, then gives the token back; the caller holds it. */
    private void drain() throws IOException {
        drain(0, 0, null);
    }

    /**
     * Same, with a piece {@code [pieceFrom, pieceTo)} in staging whose bytes are {@code piece}:
     * hashed from memory if the digest gets to its start, else recorded as a stretch.
     */
    private void drain(long pieceFrom, long pieceTo, ByteBuffer piece) throws IOException {
        try {
            while (true) {
                long from;
                long to;
                synchronized (this) {
                    if (piece != null && pieceFrom == hashed) {
                        from = pieceFrom;
                        to = pieceTo;
                    } else {
                        Map.Entry<Long, Long> first = done == null ? null : done.firstEntry();
                        if (first == null || first.getKey() > hashed) {
                            if (piece != null) { // not reachable yet: its turn comes once the gap fills
                                stretch(pieceFrom, pieceTo);
                                piece = null;
                                continue;
                            }
                            hashing = false;
                            notifyAll();
                            return;
                        }
                        done.pollFirstEntry();
                        if (first.getValue() <= hashed) {
                            continue;
                        }
                        from = hashed;
                        to = first.getValue();
                    }
                }
                if (piece != null && from == pieceFrom) {
                    update(digest(), piece); // only the token holder touches the digest
                    piece = null;
                } else {
                    hash(from, to);
                }
                synchronized (this) {
                    hashed = to;
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                failed = e instanceof IOException io ? io : new IOException(e);
                hashing = false;
                notifyAll();
            }
            throw e;
        }
    }

    /** Waits, holding the lock, until no thread holds the token. */
    private void awaitToken(String doing) throws InterruptedIOException {
        while (hashing) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + doing + " " + entry.path());
            }
        }
    }

    /** Bytes hashed so far. */
    synchronized long hashedBytes() {
        return hashed;
    }

    /** Checks the digest once every byte is in, after any thread still hashing is done. */
    void verify() throws IOException {
        synchronized (this) {
            awaitToken("verifying");
            if (failed != null) {
                throw new StoreException("verification of " + entry.path() + " in staging failed: " + failed, failed);
            }
            hashing = true;
        }
        drain();
        synchronized (this) {
            if (hashed != entry.size() || !MessageDigest.isEqual(digest().digest(), entry.sha256())) {
                throw new StoreException("verification failed: " + entry.path() + " in staging does not match its "
                        + "SHA-256 (hashed " + hashed + " of " + entry.size() + " bytes); the release is not committed");
            }
        }
    }

    /**
     * A direct buffer's bytes go through the thread's read-back array (never itself the buffer
     * hashed: that one is on the heap): the digest's own copy would be an array per digest.
     */
    static void update(MessageDigest d, ByteBuffer data) {
        if (data.hasArray()) {
            d.update(data.array(), data.arrayOffset() + data.position(), data.remaining());
            return;
        }
        byte[] a = BUFFER.get().array();
        ByteBuffer b = data.duplicate();
        while (b.hasRemaining()) {
            int n = Math.min(a.length, b.remaining());
            b.get(a, 0, n);
            d.update(a, 0, n);
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
