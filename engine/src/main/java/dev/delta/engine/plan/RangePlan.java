package dev.delta.engine.plan;

import java.util.List;

/**
 * Everything needed to turn the releases a node holds into the target version: the per-path
 * diff, and for every file whose content is not already in place, where each byte comes from.
 *
 * @param diff             per-path changes against the node's current version
 * @param files            files to assemble, in canonical path order
 * @param bytesTotal       size of all files of the target version
 * @param bytesInPlace     bytes of files whose content is unchanged at the same path (linked, not copied)
 * @param bytesLocal       bytes copied from local releases into assembled files
 * @param bytesDuplicate   bytes copied from elsewhere in the target version once fetched
 * @param bytesZero        bytes of chunks of zeros, left as holes in the new files (nothing fetched or written)
 * @param bytesToFetch     bytes to request from upstream
 * @param neededChunks     distinct chunks of the target found in no local release
 * @param fetchRanges      number of coalesced ranges to request
 */
public record RangePlan(ManifestDiff diff, List<FilePlan> files, long bytesTotal, long bytesInPlace,
                        long bytesLocal, long bytesDuplicate, long bytesZero, long bytesToFetch, long neededChunks,
                        long fetchRanges) {
    public RangePlan {
        files = List.copyOf(files);
    }

    /** Bytes that need not cross the network: in place, copied locally, duplicated, or zeros. */
    public long bytesReused() {
        return bytesInPlace + bytesLocal + bytesDuplicate + bytesZero;
    }
}
