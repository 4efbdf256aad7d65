package dev.delta.node.origin;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.patch.RefPatch;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.plan.ReferenceWindows;
import dev.delta.engine.plan.Segment;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.edge.Syncer;
import dev.delta.node.release.PatchPack;
import dev.delta.protocol.server.PatchEncoding;
import dev.delta.protocol.wire.Limits;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Computes, once at publish, the patches an edge that holds the previous release will ask for,
 * and stores them for the node to serve as they are ({@link PatchPack}).
 *
 * <p>Why: a following edge fetches each updated file's missing chunks as patches against its old
 * copy. Computed per request, the origin read both copies, indexed the old bytes and encoded and
 * compressed every piece on its I/O thread while the edges waited, once per edge, and its JIT
 * compiled all of that during the first update it served. Stored, an update costs the origin a
 * read per piece, the same for every edge.
 *
 * <p>The edge's requests are found by making its plan: the same {@link RangePlanner} over the
 * releases the origin retains (what a following edge holds too), ranges cut at
 * {@link Syncer#MAX_RANGE_BYTES}, each range's window from {@link ReferenceWindows}, pieces of
 * {@link Limits#DEFAULT_DATA_PIECE}, each encoded by {@link PatchEncoding} as the I/O thread
 * would. Entries are keyed by content (both files' SHA-256, the piece, the window): an edge whose
 * plan differs (it holds other releases) misses them for those pieces, which are then patched
 * live as before; it never gets a wrong one.
 */
final class FollowerPatches {
    private FollowerPatches() {
    }

    /** What a computation stored. */
    record Result(int files, int pieces, long pieceBytes, long patchBytes) {
    }

    /**
     * Stores the patches from {@code prev} to {@code next} (both retained by {@code store},
     * {@code next} committed) planned against {@code local}, the chunks a following edge holds.
     */
    static Result compute(DatasetStore store, Manifest prev, Manifest next, ChunkIndex local) throws IOException {
        removeLeftovers(store.patchFile(prev.version(), next.version()).getParent());
        RangePlan plan = new RangePlanner(Syncer.MAX_RANGE_BYTES).plan(prev, local, next);
        try (PatchPack.Writer w = new PatchPack.Writer(store.patchFile(prev.version(), next.version()))) {
            Encoding enc = new Encoding(w);
            int files = 0;
            for (FilePlan fp : plan.files()) {
                Entry neu = fp.target();
                Entry old = prev.get(neu.path());
                if (old == null || !old.isFile() || !neu.isFile()
                        || fp.segments().stream().noneMatch(s -> s.kind() == Segment.Kind.FETCH)) {
                    continue;
                }
                int before = w.count();
                enc.file(fp, old, store.releaseDir(prev.version()).resolve(old.path()),
                        store.releaseDir(next.version()).resolve(neu.path()));
                if (w.count() > before) {
                    files++;
                }
            }
            w.finish();
            return new Result(files, w.count(), enc.pieceBytes, w.dataBytes());
        }
    }

    /** Encodes pieces into a pack, reusing its buffers from file to file. */
    private static final class Encoding {
        private final PatchPack.Writer out;
        private final RefPatch.Encoder encoder = new RefPatch.Encoder();
        private final PatchEncoding encoding = new PatchEncoding();
        private final int piece = Limits.DEFAULT_DATA_PIECE;
        private final byte[] raw = new byte[piece];
        private byte[] window = new byte[0];
        private long pieceBytes;

        Encoding(PatchPack.Writer out) {
            this.out = out;
        }

        /** The patches of one updated file's fetched ranges, each against its window of {@code old}. */
        void file(FilePlan fp, Entry old, Path oldFile, Path newFile) throws IOException {
            Entry neu = fp.target();
            ReferenceWindows rw = new ReferenceWindows(old, neu);
            ChunkList chunks = neu.chunks();
            try (FileChannel oldCh = open(oldFile); FileChannel newCh = open(newFile)) {
                for (Segment s : fp.segments()) {
                    if (s.kind() != Segment.Kind.FETCH) {
                        continue;
                    }
                    int first = chunks.indexAt(s.offset());
                    int count = 1;
                    while (first + count < chunks.size() && chunks.offset(first + count) < s.end()) {
                        count++;
                    }
                    long[] win = rw.window(first, count);
                    if (win != null) {
                        range(neu, old, s, win[0], (int) win[1], oldCh, newCh);
                    }
                }
            }
        }

        /** A range's pieces (as the I/O thread cuts them) against one window. */
        private void range(Entry neu, Entry old, Segment s, long windowOffset, int windowLength, FileChannel oldCh,
                           FileChannel newCh) throws IOException {
            if (window.length < windowLength) {
                window = new byte[windowLength];
            }
            read(oldCh, windowOffset, window, windowLength);
            encoder.reference(window, windowLength);
            for (long at = s.offset(); at < s.end(); at += piece) {
                int len = (int) Math.min(piece, s.end() - at);
                read(newCh, at, raw, len);
                pieceBytes += len;
                if (encoding.encode(encoder, raw, len, len)) {
                    out.add(neu.sha256(), old.sha256(), at, len, windowOffset, windowLength, encoding.compressed(),
                            encoding.content());
                }
            }
        }
    }

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    private static void read(FileChannel ch, long at, byte[] dst, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, 0, n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("a release file ended at " + (at + b.position())
                        + " while its patches were made");
            }
        }
    }

    /** Temporary files of a computation that was cut off (a publish killed halfway). */
    private static void removeLeftovers(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.rpp*.tmp")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }
}
