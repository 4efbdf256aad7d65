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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A big file's SHA-256, computed in order while its ranges arrive: every byte not pending is
 * already in staging (copied locally, or verified there by a previous attempt), so the digest
 * advances through each complete stretch as soon as the range before it lands, and the last
 * range leaves only a short tail to hash instead of the whole file.
 */
final class ProgressiveDigest {
    private final Path file;
    private final Entry entry;
    private final MessageDigest md = Sha256.newDigest();
    /** Complete stretches not yet hashed: start -> end. */
    private final java.util.TreeMap<Long, Long> done = new java.util.TreeMap<>();
    private long hashed;
    private ByteBuffer buf;

    /**
     * @param file          the file in staging
     * @param entry         its entry in the target manifest (size, SHA-256)
     * @param pendingRanges its ranges still to arrive; every other byte is in the file already
     */
    ProgressiveDigest(Path file, Entry entry, List<FetchRange> pendingRanges) {
        this.file = file;
        this.entry = entry;
        List<FetchRange> sorted = new ArrayList<>(pendingRanges);
        sorted.sort(java.util.Comparator.comparingLong(FetchRange::offset));
        long at = 0;
        for (FetchRange r : sorted) {
            if (r.offset() > at) {
                done.put(at, r.offset());
            }
            at = Math.max(at, r.offset() + r.length());
        }
        if (entry.size() > at) {
            done.put(at, entry.size());
        }
    }

    /** Notes that {@code [from, to)} is in staging and hashes whatever became contiguous. */
    synchronized void complete(long from, long to) throws IOException {
        done.merge(from, to, Math::max);
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
        complete(entry.size(), entry.size());
        if (hashed != entry.size() || !MessageDigest.isEqual(md.digest(), entry.sha256())) {
            throw new StoreException("verification failed: " + entry.path() + " in staging does not match its "
                    + "SHA-256 (hashed " + hashed + " of " + entry.size() + " bytes); the release is not committed");
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
