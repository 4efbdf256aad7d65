package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.ChunkIdSet;

/**
 * Summary figures of a manifest: counts, bytes, chunks, distinct chunks, dedup ratio and a
 * chunk-size histogram in power-of-two buckets.
 *
 * @param files        regular files
 * @param dirs         directories
 * @param symlinks     symbolic links
 * @param bytes        total file bytes
 * @param chunks       chunk references
 * @param uniqueChunks distinct chunk ids
 * @param uniqueBytes  bytes of distinct chunks (what a cold replica must transfer)
 * @param histogram    {@code histogram[k]} = chunks with length in {@code [2^k, 2^(k+1))}, k = 0..30
 */
public record ManifestStats(long files, long dirs, long symlinks, long bytes, long chunks, long uniqueChunks,
                            long uniqueBytes, long[] histogram) {

    public static ManifestStats of(Manifest m) {
        long files = 0;
        long dirs = 0;
        long links = 0;
        long bytes = 0;
        long chunks = 0;
        long uniqueBytes = 0;
        long[] hist = new long[31];
        ChunkIdSet seen = new ChunkIdSet((int) Math.min(m.chunkCount(), 1 << 28));
        for (Entry e : m.entries()) {
            switch (e.type()) {
                case FILE -> {
                    files++;
                    bytes += e.size();
                    ChunkList c = e.chunks();
                    chunks += c.size();
                    for (int i = 0; i < c.size(); i++) {
                        int len = c.length(i);
                        hist[31 - Integer.numberOfLeadingZeros(len)]++;
                        if (seen.add(c.idHi(i), c.idLo(i))) {
                            uniqueBytes += len;
                        }
                    }
                }
                case DIR -> dirs++;
                case SYMLINK -> links++;
            }
        }
        return new ManifestStats(files, dirs, links, bytes, chunks, seen.size(), uniqueBytes, hist);
    }

    /** Total bytes over distinct-chunk bytes; 1.0 when nothing repeats (or nothing is there). */
    public double dedupRatio() {
        return uniqueBytes == 0 ? 1.0 : (double) bytes / uniqueBytes;
    }

    /** Mean chunk length, or 0. */
    public double meanChunk() {
        return chunks == 0 ? 0 : (double) bytes / chunks;
    }
}
