package dev.delta.benchmarks;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Whole-manifest operations on a synthetic manifest of a million chunks: 20,000 files of 50
 * chunks in 100 directories (about 16 GB of content described by a 21 MB encoding), from a
 * fixed seed.
 *
 * <ul>
 *   <li>{@code encode}: the canonical binary encoding into one exactly-sized array.</li>
 *   <li>{@code decode}: decoding that array back, every field, count and checksum checked.</li>
 *   <li>{@code rootDigest}: SHA-256 of the encoding, streamed (the version's identity).</li>
 *   <li>{@code diff}: {@code ManifestDiff.between} the manifest and its next version, in which
 *       400 files (2%) had a run of 1–4 chunks rewritten.</li>
 *   <li>{@code plan}: {@code RangePlanner.plan} of that update against a {@code ChunkIndex} of the old
 *       version (built once in setup, as an edge keeps it): the diff plus a lookup of every chunk
 *       of every changed file.</li>
 * </ul>
 *
 * <p>One operation handles the whole manifest (or pair); the {@code bytes} secondary result of
 * {@code encode}, {@code decode} and {@code rootDigest} is the encoding's throughput in bytes per
 * second. The new version is decoded from its encoding, so the diff compares two manifests that
 * share no object, as on an edge. {@code -prof gc} shows what one operation allocates. Run with:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ManifestBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ManifestBenchmark {
    /** Files in the synthetic manifest. */
    static final int FILES = 20_000;
    /** Chunks per file: 1M chunks in all. */
    static final int CHUNKS_PER_FILE = 50;
    /** Files changed in the next version: 2%. */
    static final int CHANGED_FILES = FILES / 50;

    /** One manifest and its encoding. */
    @State(Scope.Benchmark)
    public static class One {
        Manifest manifest;
        byte[] encoded;
        final ManifestCodec codec = new ManifestCodec();

        @Setup
        public void setUp() {
            manifest = SyntheticManifests.generate(FILES, CHUNKS_PER_FILE, 1);
            encoded = codec.encode(manifest);
            System.out.printf("%s: %,d chunks, %,d bytes encoded%n", manifest, manifest.chunkCount(), encoded.length);
        }
    }

    /** A version and the next one, and an index of the old version's chunks. */
    @State(Scope.Benchmark)
    public static class Update {
        Manifest old;
        Manifest next;
        ChunkIndex index;
        final RangePlanner planner = new RangePlanner();

        @Setup
        public void setUp() {
            old = SyntheticManifests.generate(FILES, CHUNKS_PER_FILE, 1);
            next = SyntheticManifests.edit(old, CHANGED_FILES, 2);
            index = ChunkIndex.of(old);
            ManifestDiff d = ManifestDiff.between(old, next);
            if (d.count(ChangeAction.UPDATE) != CHANGED_FILES || d.changes().size() != CHANGED_FILES) {
                throw new IllegalStateException("expected exactly " + CHANGED_FILES + " updated files, got "
                        + d.changes().size() + " changes");
            }
            RangePlan p = planner.plan(old, index, next);
            System.out.printf("update of %,d files: %,d bytes to fetch in %,d ranges, %,d copied locally%n",
                    p.files().size(), p.bytesToFetch(), p.fetchRanges(), p.bytesLocal());
        }
    }

    @Benchmark
    public byte[] encode(One s, ByteCounter counter) {
        byte[] b = s.codec.encode(s.manifest);
        counter.bytes += b.length;
        return b;
    }

    @Benchmark
    public Manifest decode(One s, ByteCounter counter) throws ManifestFormatException {
        Manifest m = s.codec.decode(s.encoded);
        counter.bytes += s.encoded.length;
        return m;
    }

    @Benchmark
    public byte[] rootDigest(One s, ByteCounter counter) {
        byte[] d = s.codec.rootDigest(s.manifest);
        counter.bytes += s.encoded.length;
        return d;
    }

    @Benchmark
    public ManifestDiff diff(Update s) {
        return ManifestDiff.between(s.old, s.next);
    }

    @Benchmark
    public RangePlan plan(Update s) {
        return s.planner.plan(s.old, s.index, s.next);
    }
}
