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
 * is looked up: a chunk of zeros becomes a ZERO segment (a hole in the new file: sparse files stay
 * sparse, and zeros are neither fetched nor written); found in a local release (any file, any
 * retained version: renames and moved content cost nothing) it becomes a LOCAL copy; found
 * earlier in this plan's fetches it becomes a DUPLICATE copy; otherwise it is fetched. Adjacent
 * segments of one kind and source are coalesced, fetches up to {@code maxRangeBytes} per range.
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
        // With nothing local (a cold sync) every chunk of the new files is fetched and goes in:
        // sized for them all at once (grown from a small table, it was rehashed nine times for a
        // 1 GB tree's 250,000 chunks). Otherwise few are, and it starts small.
        long made = 0;
        if (local.size() == 0) {
            for (PathChange ch : diff.all()) {
                Entry n = ch.newEntry();
                if (n != null && n.isFile()) {
                    made += n.chunks().size();
                }
            }
        }
        ChunkIndex fetched = new ChunkIndex((int) Math.min(Math.max(made, 1024), 1 << 28));
        List<FilePlan> files = new ArrayList<>();
        long bytesLocal = 0;
        long bytesDup = 0;
        long bytesZero = 0;
        long bytesFetch = 0;
        ZeroChunks zeros = new ZeroChunks(target.chunker());
        long needed = 0;
        long ranges = 0;
        long planned = 0;
        for (PathChange ch : diff.all()) {
            if (ch.action() == ChangeAction.UNCHANGED || ch.action() == ChangeAction.METADATA) {
                continue; // its bytes stay in place: the target's total but the planned files'
            }
            Entry n = ch.newEntry();
            if (n == null || !n.isFile()) {
                continue;
            }
            planned += n.size();
            List<Segment> segs = new ArrayList<>();
            ChunkList c = n.chunks();
            int fetchedRef = -1;
            // The segment being built, extended chunk by chunk and added once a chunk does not
            // continue it: a 500 MB file is 120,000 chunks, and a record per chunk (and another
            // per extension) was most of this loop's time.
            Run run = new Run();
            zeros.nextFile();
            for (int i = 0; i < c.size(); i++) {
                long hi = c.idHi(i);
                long lo = c.idLo(i);
                long off = c.offset(i);
                int len = c.length(i);
                long loc;
                if (zeros.is(hi, lo, len)) {
                    run.add(segs, Segment.Kind.ZERO, off, len, null, target.version(), off);
                    bytesZero += len;
                } else if ((loc = local.find(hi, lo)) >= 0) {
                    run.add(segs, Segment.Kind.LOCAL, off, len, local.file(loc).path(), local.version(loc),
                            local.offset(loc));
                    bytesLocal += len;
                } else if ((loc = fetched.find(hi, lo)) >= 0) {
                    run.add(segs, Segment.Kind.DUPLICATE, off, len, fetched.file(loc).path(), target.version(),
                            fetched.offset(loc));
                    bytesDup += len;
                } else {
                    run.add(segs, Segment.Kind.FETCH, off, len, null, target.version(), off);
                    bytesFetch += len;
                    needed++;
                    if (fetchedRef < 0) {
                        fetchedRef = fetched.registerFile(n, target.version());
                    }
                    fetched.addChunk(fetchedRef, i);
                }
            }
            run.flush(segs);
            for (Segment s : segs) {
                if (s.kind() == Segment.Kind.FETCH) {
                    ranges++;
                }
            }
            files.add(new FilePlan(n, segs));
        }
        long inPlace = target.totalBytes() - planned;
        return new RangePlan(diff, files, target.totalBytes(), inPlace, bytesLocal, bytesDup, bytesZero, bytesFetch,
                needed, ranges);
    }

    /**
     * A segment under construction. A chunk continues it when it is of the same kind and follows
     * it without a gap, from the same source file right after the run's source bytes (a fetch
     * continues any fetch, up to {@code maxRangeBytes}; zeros continue zeros).
     */
    private final class Run {
        private Segment.Kind kind;
        private long offset;
        private long length;
        private String sourcePath;
        private long sourceVersion;
        private long sourceOffset;

        void add(List<Segment> segs, Segment.Kind k, long off, int len, String path, long version, long srcOff) {
            if (kind == k && off == offset + length && (k == Segment.Kind.FETCH ? length + len <= maxRangeBytes
                    : k == Segment.Kind.ZERO
                    || version == sourceVersion && srcOff == sourceOffset + length && path.equals(sourcePath))) {
                length += len;
                return;
            }
            flush(segs);
            kind = k;
            offset = off;
            length = len;
            sourcePath = path;
            sourceVersion = version;
            sourceOffset = srcOff;
        }

        void flush(List<Segment> segs) {
            if (kind != null) {
                segs.add(new Segment(kind, offset, length, sourcePath, sourceVersion, sourceOffset));
                kind = null;
            }
        }
    }
}
