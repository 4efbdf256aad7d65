package dev.delta.engine.scan;

/**
 * Receives a scan's progress, for a progress bar.
 *
 * <p>Called at most about every {@value Scanner#PROGRESS_INTERVAL_MILLIS} ms, plus once at the
 * end of each phase; never by two threads at once, but not always by the same thread (chunking
 * workers report). It must return quickly: the scan waits for it.
 */
@FunctionalInterface
public interface ScanProgress {
    /** The phases of a scan, in order. */
    enum Phase {
        /** Listing the tree; the totals grow as files are found. */
        WALK,
        /** Reading and chunking files (or taking them from the cache); the totals are final. */
        CHUNK,
        /** Finished. */
        DONE
    }

    /** Reports nothing. */
    ScanProgress NONE = (phase, filesDone, filesTotal, bytesDone, bytesTotal) -> { };

    /**
     * @param phase      the current phase
     * @param filesDone  files chunked or taken from the cache so far
     * @param filesTotal files found so far
     * @param bytesDone  bytes chunked or taken from the cache so far
     * @param bytesTotal bytes of all files found so far
     */
    void update(Phase phase, long filesDone, long filesTotal, long bytesDone, long bytesTotal);
}
