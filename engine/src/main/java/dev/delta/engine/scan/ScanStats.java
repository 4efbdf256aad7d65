package dev.delta.engine.scan;

import java.time.Duration;

/**
 * Counters of one scan.
 *
 * @param files       regular files in the manifest
 * @param dirs        directories in the manifest (the root not counted)
 * @param symlinks    symlinks in the manifest
 * @param ignored     paths left out by ignore rules (an ignored directory counts once)
 * @param bytes       total size of the files in the manifest
 * @param bytesRead   bytes actually read and chunked (more than {@code bytes} minus reused
 *                    when a file changed while being read and was read again)
 * @param bytesReused bytes whose chunks came from the file-state cache, unread
 * @param cacheHits   files taken from the cache
 * @param cacheMisses files that had to be read (no cache, no entry, or stat changed)
 * @param duration    wall time of the whole scan
 */
public record ScanStats(long files, long dirs, long symlinks, long ignored, long bytes, long bytesRead,
                        long bytesReused, long cacheHits, long cacheMisses, Duration duration) {
    /** Read throughput in MiB/s over the whole scan, or 0 for an instant scan. */
    public double readMibPerSecond() {
        double s = duration.toNanos() / 1e9;
        return s <= 0 ? 0 : bytesRead / (1024.0 * 1024.0) / s;
    }

    @Override
    public String toString() {
        return files + " files, " + dirs + " dirs, " + symlinks + " symlinks, " + ignored + " ignored, "
                + bytes + " bytes (" + bytesRead + " read, " + bytesReused + " reused), cache " + cacheHits
                + " hits / " + cacheMisses + " misses, " + duration.toMillis() + " ms";
    }
}
