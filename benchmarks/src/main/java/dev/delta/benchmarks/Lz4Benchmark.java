package dev.delta.benchmarks;

import dev.delta.engine.hash.ChunkId;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * LZ4 on data frames: fast and HC compression, and safe decompression (the decompressor for
 * network input, capped at the known block length), against XXH3-128 over the same bytes.
 *
 * <ul>
 *   <li>{@code compressFast}: {@code LZ4Compressor} from {@code fastCompressor()}, the per-frame
 *       compressor of the protocol.</li>
 *   <li>{@code compressHigh}: {@code highCompressor()} (LZ4 HC, default level), for data an origin
 *       compresses once and serves many times.</li>
 *   <li>{@code safeDecompress}: {@code safeDecompressor()} of a block compressed with the fast
 *       compressor, with the block's original length as the output cap.</li>
 *   <li>{@code xxh3}: XXH3-128 (the chunk id) over the same block, the yardstick the hot-path guard
 *       compares decompression with.</li>
 * </ul>
 *
 * <p>Blocks are {@code size} bytes ({@code 16384} or {@code 65536}) of {@code text} (compressible:
 * words and lines) or {@code random} bytes (incompressible: the worst case, where LZ4 emits
 * literals only). Each trial cuts a 4 MiB pool into blocks, compresses them all and checks that
 * every one decompresses back; an operation handles the next block of the pool in turn, so the
 * data is warm in the last-level cache, as a frame just read from a socket would be. The
 * {@code bytes} secondary result counts uncompressed bytes (input to compression, output of
 * decompression) per second.
 *
 * <p>{@code impl} chooses the LZ4 implementation: {@code fastest} ({@code LZ4Factory.fastestInstance()},
 * the JNI binding where its native library loads, as in production), {@code native} or
 * {@code java} (the pure-Java safe implementation). The trial prints which one was picked. Run with:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar Lz4Benchmark -prof gc
 * java -jar benchmarks/target/benchmarks.jar Lz4Benchmark.safeDecompress -p impl=fastest,java -p size=65536
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Lz4Benchmark {
    /** Bytes cut into blocks per trial: more than the L2 cache, less than the L3. */
    static final int POOL_BYTES = 4 << 20;

    @Param({"text", "random"})
    public String kind;

    @Param({"16384", "65536"})
    public int size;

    @Param({"fastest"})
    public String impl;

    private byte[][] blocks;
    private byte[][] compressed;
    private int[] compressedLengths;
    private byte[] out;
    private int mask;
    private int next;
    private LZ4Compressor fast;
    private LZ4Compressor high;
    private LZ4SafeDecompressor safe;
    private final long[] id = new long[2];

    @Setup
    public void setUp() {
        if (Integer.bitCount(size) != 1 || size > POOL_BYTES) {
            throw new IllegalArgumentException("block size must be a power of two up to " + POOL_BYTES + ", got " + size);
        }
        LZ4Factory factory = factory(impl);
        fast = factory.fastCompressor();
        high = factory.highCompressor();
        safe = factory.safeDecompressor();
        System.out.println("LZ4 implementation: " + factory + " (" + fast + ", " + high + ", " + safe + ")");

        byte[] pool = BenchmarkData.of(kind, POOL_BYTES, 11);
        int n = POOL_BYTES / size;
        mask = n - 1;
        blocks = new byte[n][];
        compressed = new byte[n][];
        compressedLengths = new int[n];
        out = new byte[Math.max(size, fast.maxCompressedLength(size))];
        long packed = 0;
        for (int i = 0; i < n; i++) {
            blocks[i] = Arrays.copyOfRange(pool, i * size, (i + 1) * size);
            compressed[i] = new byte[fast.maxCompressedLength(size)];
            compressedLengths[i] = fast.compress(blocks[i], 0, size, compressed[i], 0, compressed[i].length);
            packed += compressedLengths[i];
            int back = safe.decompress(compressed[i], 0, compressedLengths[i], out, 0, size);
            if (back != size || !Arrays.equals(out, 0, size, blocks[i], 0, size)) {
                throw new IllegalStateException("LZ4 round trip failed for block " + i + " of " + kind);
            }
        }
        System.out.printf("%s %d B blocks compress to %.1f%% with the fast compressor%n", kind, size,
                100.0 * packed / POOL_BYTES);
    }

    static LZ4Factory factory(String impl) {
        switch (impl) {
            case "fastest":
                return LZ4Factory.fastestInstance();
            case "native":
                return LZ4Factory.nativeInstance();
            case "java":
                return LZ4Factory.fastestJavaInstance();
            default:
                throw new IllegalArgumentException("unknown LZ4 implementation '" + impl
                        + "', expected fastest, native or java");
        }
    }

    /** Returns the compressed length, so the work cannot be optimized away. */
    @Benchmark
    public int compressFast(ByteCounter counter) {
        byte[] b = blocks[next++ & mask];
        int n = fast.compress(b, 0, b.length, out, 0, out.length);
        counter.bytes += b.length;
        return n;
    }

    @Benchmark
    public int compressHigh(ByteCounter counter) {
        byte[] b = blocks[next++ & mask];
        int n = high.compress(b, 0, b.length, out, 0, out.length);
        counter.bytes += b.length;
        return n;
    }

    /** Decompresses into a reused buffer, capped at the block's known length. */
    @Benchmark
    public int safeDecompress(ByteCounter counter) {
        int i = next++ & mask;
        int n = safe.decompress(compressed[i], 0, compressedLengths[i], out, 0, size);
        counter.bytes += n;
        return n;
    }

    @Benchmark
    public long xxh3(ByteCounter counter) {
        byte[] b = blocks[next++ & mask];
        ChunkId.hashInto(b, 0, b.length, id);
        counter.bytes += b.length;
        return id[0] ^ id[1];
    }
}
