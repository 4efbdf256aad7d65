package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Plans the assembly of a target version from the releases a node already holds.
 *
 * <p>For each file of the target that is added, updated or changes type to a file, every chunk
 * is looked up: found in a local release (any file, any retained version: renames and moved
 * content cost nothing) it becomes a LOCAL copy; found earlier in this plan's fetches it becomes
 * a DUPLICATE copy; otherwise it is fetched. Adjacent segments of one kind and source are
 * coalesced, fetches up to {@code maxRangeBytes} per range.
 */
public final class RangePlanner {
    /** Default cap on one coalesced fetch range. */
    public static final long DEFAULT_MAX_RANGE_BYTES = 8L << 20;

    private final long maxRangeBytes;

    public RangePlanner() {
        this(DEFAULT_MAX_RANGE_BYTES);
    }

    public RangePlanner(long maxRangeBytes) {
        if (maxRangeBytes < 1) {
            throw new IllegalArgumentException("maxRangeBytes must be positive, got " + maxRangeBytes);
        }
        this.maxRangeBytes = maxRangeBytes;
    }

    /**
     * @param current the node's current version (null when empty): decides which paths change
     * @param local   chunks available on this node (usually the current and other retained releases)
     * @param target  the version to build
     */
    public RangePlan plan(Manifest current, ChunkIndex local, Manifest target) {
        ManifestDiff diff = ManifestDiff.between(current, target);
        ChunkIndex fetched = new ChunkIndex(1024);
        List<FilePlan> files = new ArrayList<>();
        long inPlace = 0;
        long bytesLocal = 0;
        long bytesDup = 0;
        long bytesFetch = 0;
        long needed = 0;
        long ranges = 0;
        for (PathChange ch : diff.all()) {
            Entry n = ch.newEntry();
            if (n == null || !n.isFile()) {
                continue;
            }
            if (ch.action() == ChangeAction.UNCHANGED || ch.action() == ChangeAction.METADATA) {
                inPlace += n.size();
                continue;
            }
            List<Segment> segs = new ArrayList<>();
            ChunkList c = n.chunks();
            int fetchedRef = -1;
            for (int i = 0; i < c.size(); i++) {
                long hi = c.idHi(i);
                long lo = c.idLo(i);
                long off = c.offset(i);
                int len = c.length(i);
                long loc = local.find(hi, lo);
                Segment s;
                if (loc >= 0) {
                    s = new Segment(Segment.Kind.LOCAL, off, len, local.file(loc).path(), local.version(loc),
                            local.offset(loc));
                    bytesLocal += len;
                } else if ((loc = fetched.find(hi, lo)) >= 0) {
                    s = new Segment(Segment.Kind.DUPLICATE, off, len, fetched.file(loc).path(), target.version(),
                            fetched.offset(loc));
                    bytesDup += len;
                } else {
                    s = new Segment(Segment.Kind.FETCH, off, len, null, target.version(), off);
                    bytesFetch += len;
                    needed++;
                    if (fetchedRef < 0) {
                        fetchedRef = fetched.registerFile(n, target.version());
                    }
                    fetched.addChunk(fetchedRef, i);
                }
                append(segs, s);
            }
            for (Segment s : segs) {
                if (s.kind() == Segment.Kind.FETCH) {
                    ranges++;
                }
            }
            files.add(new FilePlan(n, segs));
        }
        return new RangePlan(diff, files, target.totalBytes(), inPlace, bytesLocal, bytesDup, bytesFetch, needed,
                ranges);
    }

    private void append(List<Segment> segs, Segment s) {
        if (!segs.isEmpty()) {
            Segment last = segs.get(segs.size() - 1);
            boolean fits = last.kind() != Segment.Kind.FETCH || last.length() + s.length() <= maxRangeBytes;
            if (fits && last.continuedBy(s)) {
                segs.set(segs.size() - 1, last.extendedBy(s.length()));
                return;
            }
        }
        segs.add(s);
    }
}
