package dev.delta.benchmarks;

import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

/**
 * The two hashes of the chunking pass over the same 64 MiB of random bytes: XXH3-128 per 16 KiB
 * chunk (the chunk ids) and SHA-256 over the whole buffer (the file's end-to-end check).
 *
 * <p>One operation is one pass over the buffer; the {@code bytes} secondary result is the
 * throughput in bytes per second. Run with:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar HashBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HashBenchmark {
    /** Chunk size for the per-chunk ids: the default average chunk. */
    static final int CHUNK = 16 * 1024;

    private byte[] data;
    private MessageDigest sha;
    private final long[] id = new long[2];
    private final byte[] digest = new byte[Sha256.BYTES];

    @Setup
    public void setUp() {
        data = BenchmarkData.random(BenchmarkData.SIZE, 7);
        sha = Sha256.newDigest();
    }

    @Benchmark
    public long xxh3PerChunk(ByteCounter counter) {
        byte[] d = data;
        long acc = 0;
        for (int off = 0; off < d.length; off += CHUNK) {
            ChunkId.hashInto(d, off, Math.min(CHUNK, d.length - off), id);
            acc ^= id[0] ^ id[1];
        }
        counter.bytes += d.length;
        return acc;
    }

    /** Digests into a reused array, so the digest itself allocates nothing per pass. */
    @Benchmark
    public byte[] sha256(ByteCounter counter) throws Exception {
        sha.update(data, 0, data.length);
        sha.digest(digest, 0, digest.length);
        counter.bytes += data.length;
        return digest;
    }
}
