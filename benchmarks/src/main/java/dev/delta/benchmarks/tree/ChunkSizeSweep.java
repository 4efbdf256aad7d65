package dev.delta.benchmarks.tree;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.plan.Segment;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * What the chunk size costs and saves on one real update, OLD tree to NEW tree: for each average
 * chunk size (min = avg / 4, max = avg * 4, normalization 2), the bytes an edge holding OLD must
 * fetch for NEW (chunks found nowhere in OLD, coalesced into ranges), those bytes compressed as
 * the origin would serve them (LZ4 HC per 128 KiB piece), the full manifest's size, and the size
 * of the manifest delta the edge receives instead. Both trees may be a directory of many files
 * or a directory holding one tar file.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.delta.benchmarks.tree.ChunkSizeSweep OLD NEW [AVG...]
 * </pre>
 */
public final class ChunkSizeSweep {
    private static final int PIECE = 128 * 1024;

    private ChunkSizeSweep() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ChunkSizeSweep OLD_DIR NEW_DIR [AVG_BYTES...]");
            System.exit(2);
        }
        Path old = Path.of(args[0]);
        Path neu = Path.of(args[1]);
        int[] avgs = args.length > 2 ? new int[args.length - 2] : new int[]{2048, 4096, 8192, 16384, 32768};
        for (int i = 2; i < args.length; i++) {
            avgs[i - 2] = Integer.parseInt(args[i]);
        }
        LZ4Compressor hc = LZ4Factory.fastestInstance().highCompressor();
        System.out.printf(Locale.ROOT, "%8s %12s %12s %8s %10s %12s %12s %10s%n", "avg", "chunks(new)", "to_fetch",
                "ranges", "lz4hc", "manifest", "delta", "wire_est");
        for (int avg : avgs) {
            ChunkerParams p = new ChunkerParams(Math.max(64, avg / 4), avg, avg * 4, 2);
            Manifest a = scan(old, p, 1);
            Manifest b = scan(neu, p, 2);
            RangePlan plan = new RangePlanner().plan(a, ChunkIndex.of(a), b);
            long compressed = compressedFetch(neu, plan, hc);
            long manifest = new ManifestCodec().encode(b).length;
            long delta = ManifestDelta.encode(a, b).length;
            System.out.printf(Locale.ROOT, "%8d %12d %12d %8d %10d %12d %12d %10d%n", avg, b.chunkCount(),
                    plan.bytesToFetch(), plan.fetchRanges(), compressed, manifest, delta, compressed + delta);
        }
    }

    private static Manifest scan(Path dir, ChunkerParams p, long version) throws IOException {
        ScanOptions o = ScanOptions.builder("sweep").version(version).parentVersion(version - 1).chunker(p)
                .useIgnoreFile(false).build();
        ScanResult r = new Scanner(o).scan(dir);
        if (!r.isComplete()) {
            throw new IOException(dir + ": " + r.problems());
        }
        return r.manifest();
    }

    /** The fetched ranges read from NEW and compressed with LZ4 HC in pieces, as an origin would store them. */
    private static long compressedFetch(Path root, RangePlan plan, LZ4Compressor hc) throws IOException {
        long total = 0;
        ByteBuffer in = ByteBuffer.allocate(PIECE);
        byte[] out = new byte[hc.maxCompressedLength(PIECE)];
        for (FilePlan f : plan.files()) {
            if (f.fetches().isEmpty()) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(root.resolve(f.path()), StandardOpenOption.READ)) {
                for (Segment s : f.fetches()) {
                    for (long off = 0; off < s.length(); off += PIECE) {
                        int n = (int) Math.min(PIECE, s.length() - off);
                        in.clear().limit(n);
                        while (in.hasRemaining() && ch.read(in, s.offset() + off + in.position()) > 0) {
                            // fill the piece
                        }
                        int c = hc.compress(in.array(), 0, in.position(), out, 0, out.length);
                        total += Math.min(c, n);
                    }
                }
            }
        }
        return total;
    }
}
