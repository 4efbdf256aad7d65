package dev.delta.engine.plan;

/**
 * A run of bytes of a file being assembled, and where they come from.
 *
 * @param kind          where the bytes come from
 * @param offset        offset in the file being assembled
 * @param length        number of bytes
 * @param sourcePath    LOCAL: path in the source release; DUPLICATE: path in the new version; FETCH, ZERO: null
 * @param sourceVersion LOCAL: version of the source release; otherwise the target version
 * @param sourceOffset  offset in the source file (FETCH, ZERO: equals {@code offset})
 */
public record Segment(Kind kind, long offset, long length, String sourcePath, long sourceVersion, long sourceOffset) {

    /** Where a segment's bytes come from. */
    public enum Kind {
        /** Copy from a file of a release already on this node. */
        LOCAL,
        /** Fetch from upstream: bytes {@code [offset, offset+length)} of this file in the target version. */
        FETCH,
        /** Copy from another place of the target version that is fetched by this plan; fill after fetches. */
        DUPLICATE,
        /**
         * Zeros: chunks whose id is that of a run of zeros. Nothing is fetched, copied or written;
         * the new file is made with a hole there (sparse, as the source may well be).
         */
        ZERO
    }

    public long end() {
        return offset + length;
    }
}
