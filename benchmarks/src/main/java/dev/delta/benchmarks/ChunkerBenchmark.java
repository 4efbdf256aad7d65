package dev.delta.benchmarks;

import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.chunk.FastCdc;
import dev.delta.engine.chunk.FileChunker;
import dev.delta.engine.hash.ChunkId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.TimeUnit;

/**
 * FastCDC cut-point search against XXH3-128, the chunk id hash, over the same 64 MiB buffer.
 *
 * <ul>
 *   <li>{@code fastCdc}: finds every cut point with the default parameters (4/16/64 KiB, nc 2).</li>
 *   <li>{@code xxh3Baseline}: XXH3-128 over the whole buffer in 16 KiB pieces, the default
 *       average chunk size, i.e. the id hashing a chunker does anyway.</li>
 *   <li>{@code fileChunker}: the whole single pass (cut, XXH3-128 per chunk, SHA-256 of the file)
 *       reading from an in-memory channel.</li>
 * </ul>
 *
 * <p>One operation is one pass over the 64 MiB buffer; the {@code bytes} secondary result is the
 * throughput in bytes per second, so the ratio of {@code fastCdc} to {@code xxh3Baseline} reads
 * straight off one run. Run with:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ChunkerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChunkerBenchmark {
    /** Piece size of the XXH3 baseline: the default average chunk. */
    static final int PIECE = 16 * 1024;

    @Param({"random", "text"})
    public String kind;

    private byte[] data;
    private FastCdc cdc;
    private FileChunker chunker;
    private ArrayChannel channel;
    private final long[] id = new long[2];

    @Setup
    public void setUp() {
        data = BenchmarkData.of(kind, BenchmarkData.SIZE, 42);
        cdc = new FastCdc(ChunkerParams.DEFAULT);
        chunker = new FileChunker(ChunkerParams.DEFAULT);
        channel = new ArrayChannel(data);
    }

    /** Returns the number of chunks, so the search cannot be optimized away. */
    @Benchmark
    public int fastCdc(ByteCounter counter) {
        byte[] d = data;
        int len = d.length;
        int pos = 0;
        int chunks = 0;
        while (pos < len) {
            pos += cdc.cut(d, pos, len - pos);
            chunks++;
        }
        counter.bytes += len;
        return chunks;
    }

    @Benchmark
    public long xxh3Baseline(ByteCounter counter) {
        byte[] d = data;
        long acc = 0;
        for (int off = 0; off < d.length; off += PIECE) {
            ChunkId.hashInto(d, off, Math.min(PIECE, d.length - off), id);
            acc ^= id[0] ^ id[1];
        }
        counter.bytes += d.length;
        return acc;
    }

    @Benchmark
    public ChunkedFile fileChunker(ByteCounter counter) throws IOException {
        channel.rewind();
        ChunkedFile f = chunker.chunk(channel);
        counter.bytes += f.size();
        return f;
    }

    /** A rewindable channel over a byte array: no allocation per pass. */
    static final class ArrayChannel implements ReadableByteChannel {
        private final byte[] data;
        private int pos;

        ArrayChannel(byte[] data) {
            this.data = data;
        }

        void rewind() {
            pos = 0;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(dst.remaining(), data.length - pos);
            dst.put(data, pos, n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
