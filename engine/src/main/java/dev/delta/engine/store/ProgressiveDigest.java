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
import java.util.concurrent.Executor;

/**
 * A big file's SHA-256, computed in order while its ranges arrive: every byte not pending is
 * already in staging (copied locally, or verified there by a previous attempt), so the digest
 * advances through each complete stretch as soon as the range before it lands, and the last
 * range leaves only a short tail to hash instead of the whole file.
 *
 * <p>One thread at a time hashes (it holds the token); a thread that completes a stretch while
 * another hashes only records it, and the hashing thread takes it in before it lets go. Local
 * copies made while the ranges arrive ({@link #completeLater}) hand the hashing to another thread,
 * so copying and hashing run on both cores.
 */
final class ProgressiveDigest {
    private final Path file;
    private final Entry entry;
    private final MessageDigest md = Sha256.newDigest();
    /** Complete stretches not yet hashed: start -> end. */
    private final java.util.TreeMap<Long, Long> done = new java.util.TreeMap<>();
    /** Bytes hashed so far, from the start; written by the token holder, under the lock. */
    private long hashed;
    /** Whether a thread is hashing (holds the token). */
    private boolean hashing;
    private IOException failed;
    private ByteBuffer buf;

    /**
     * @param file          the file in staging
     * @param entry         its entry in the target manifest (size, SHA-256)
     * @param pendingRanges its ranges still to arrive; every other byte is in the file already
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges) {
        this(file, entry, pendingRanges, List.of());
    }

    /**
     * @param deferredCopies its LOCAL segments still to be copied: not in the file yet either
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges, List<Segment> deferredCopies) {
        this.file = file;
        this.entry = entry;
        List<long[]> missing = new ArrayList<>(pendingRanges.size() + deferredCopies.size());
        for (FetchRange r : pendingRanges) {
            missing.add(new long[]{r.offset(), r.end()});
        }
        for (Segment s : deferredCopies) {
            missing.add(new long[]{s.offset(), s.end()});
        }
        missing.sort(java.util.Comparator.comparingLong(m -> m[0]));
        long at = 0;
        for (long[] m : missing) {
            if (m[0] > at) {
                done.put(at, m[0]);
            }
            at = Math.max(at, m[1]);
        }
        if (entry.size() > at) {
            done.put(at, entry.size());
        }
    }

    /** Notes that {@code [from, to)} is in staging and hashes whatever became contiguous, unless another thread is hashing. */
    void complete(long from, long to) throws IOException {
        synchronized (this) {
            done.merge(from, to, Math::max);
            if (hashing || failed != null) {
                return; // the thread hashing takes it in
            }
            hashing = true;
        }
        drain();
    }

    /** Same, but whatever became contiguous is hashed on {@code executor}, not by the caller. */
    void completeLater(long from, long to, Executor executor) {
        synchronized (this) {
            done.merge(from, to, Math::max);
            if (hashing || failed != null || done.firstKey() > hashed) {
                return;
            }
            hashing = true;
        }
        executor.execute(() -> {
            try {
                drain();
            } catch (IOException e) {
                // recorded: verify() throws it
            }
        });
    }

    /** Hashes the stretches that start where the digest stands, then gives the token back; the caller holds it. */
    private void drain() throws IOException {
        try {
            while (true) {
                long from;
                long to;
                synchronized (this) {
                    Map.Entry<Long, Long> first = done.firstEntry();
                    if (first == null || first.getKey() > hashed) {
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
                hash(from, to); // only the token holder touches the digest and the buffer
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

    /** Bytes hashed so far. */
    synchronized long hashedBytes() {
        return hashed;
    }

    /** Checks the digest once every byte is in, after any thread still hashing is done. */
    void verify() throws IOException {
        synchronized (this) {
            while (hashing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while verifying " + entry.path());
                }
            }
            if (failed != null) {
                throw new StoreException("verification of " + entry.path() + " in staging failed: " + failed, failed);
            }
            hashing = true;
        }
        drain();
        synchronized (this) {
            if (hashed != entry.size() || !MessageDigest.isEqual(md.digest(), entry.sha256())) {
                throw new StoreException("verification failed: " + entry.path() + " in staging does not match its "
                        + "SHA-256 (hashed " + hashed + " of " + entry.size() + " bytes); the release is not committed");
            }
        }
    }

    private void hash(long from, long to) throws IOException {
        if (buf == null) {
            buf = ByteBuffer.allocate(1 << 20);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            for (long at = from; at < to; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), to - at));
                int n = ch.read(buf, at);
                if (n <= 0) {
                    throw new StoreException(entry.path() + " in staging is shorter than " + to + " bytes");
                }
                md.update(buf.array(), 0, n);
                at += n;
            }
        }
    }
}
