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
        int piece = Limits.DEFAULT_DATA_PIECE;
        Path oldDir = store.releaseDir(prev.version());
        Path newDir = store.releaseDir(next.version());
        RefPatch.Encoder encoder = new RefPatch.Encoder();
        PatchEncoding encoding = new PatchEncoding();
        byte[] window = new byte[0];
        byte[] raw = new byte[piece];
        int files = 0;
        long pieceBytes = 0;
        try (PatchPack.Writer w = new PatchPack.Writer(store.patchFile(prev.version(), next.version()))) {
            for (FilePlan fp : plan.files()) {
                Entry neu = fp.target();
                Entry old = prev.get(neu.path());
                if (old == null || !old.isFile() || !neu.isFile()
                        || fp.segments().stream().noneMatch(s -> s.kind() == Segment.Kind.FETCH)) {
                    continue;
                }
                ReferenceWindows rw = new ReferenceWindows(old, neu);
                ChunkList chunks = neu.chunks();
                int before = w.count();
                try (FileChannel oldCh = open(oldDir.resolve(old.path())); FileChannel newCh = open(newDir.resolve(neu.path()))) {
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
                        if (win == null) {
                            continue;
                        }
                        int wl = (int) win[1];
                        if (window.length < wl) {
                            window = new byte[wl];
                        }
                        read(oldCh, win[0], window, wl);
                        encoder.reference(window, wl);
                        for (long at = s.offset(); at < s.end(); at += piece) {
                            int len = (int) Math.min(piece, s.end() - at);
                            read(newCh, at, raw, len);
                            pieceBytes += len;
                            if (encoding.encode(encoder, raw, len, len)) {
                                w.add(neu.sha256(), old.sha256(), at, len, win[0], wl, encoding.compressed(),
                                        encoding.content());
                            }
                        }
                    }
                }
                if (w.count() > before) {
                    files++;
                }
            }
            w.finish();
            return new Result(files, w.count(), pieceBytes, w.dataBytes());
        }
    }

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    private static void read(FileChannel ch, long at, byte[] dst, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, 0, n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("a release file ended at " + (at + b.position()) + " while its patches were made");
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
