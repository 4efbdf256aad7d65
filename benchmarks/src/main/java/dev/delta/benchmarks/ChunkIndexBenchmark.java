package dev.delta.benchmarks;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChunkIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory {@link ChunkIndex} of the plan package over a million chunks (the synthetic
 * manifest of {@link ManifestBenchmark}: 20,000 files of 50 chunks).
 *
 * <ul>
 *   <li>{@code build}: {@code ChunkIndex.of(manifest)}, one operation indexing all 1M chunks
 *       (multiply ops/s by a million for chunks per second).</li>
 *   <li>{@code findHit}: one lookup of an id the index holds, drawn at random from the manifest.</li>
 *   <li>{@code findMiss}: one lookup of a random id it does not hold (a chunk the edge must fetch).</li>
 * </ul>
 *
 * <p>Lookups cycle through 2^20 ids prepared in setup (and checked there to hit or miss), so the
 * measured method does only the probe. The index's arrays take about 48 MB, far beyond the
 * caches: a lookup costs mostly its cache misses. Run with:
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ChunkIndexBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChunkIndexBenchmark {
    /** Number of prepared probe ids of each kind; a power of two. */
    static final int PROBES = 1 << 20;
    private static final int MASK = PROBES - 1;

    private Manifest manifest;
    private ChunkIndex index;
    private final long[] hitHi = new long[PROBES];
    private final long[] hitLo = new long[PROBES];
    private final long[] missHi = new long[PROBES];
    private final long[] missLo = new long[PROBES];
    private int next;

    @Setup
    public void setUp() {
        manifest = SyntheticManifests.generate(ManifestBenchmark.FILES, ManifestBenchmark.CHUNKS_PER_FILE, 1);
        index = ChunkIndex.of(manifest);
        Entry[] files = manifest.entries().stream().filter(Entry::isFile).toArray(Entry[]::new);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < PROBES; i++) {
            ChunkList c = files[r.nextInt(files.length)].chunks();
            int k = r.nextInt(c.size());
            hitHi[i] = c.idHi(k);
            hitLo[i] = c.idLo(k);
            if (index.find(hitHi[i], hitLo[i]) < 0) {
                throw new IllegalStateException("chunk " + k + " of a file is missing from the index");
            }
            do {
                missHi[i] = r.nextLong();
                missLo[i] = r.nextLong();
            } while (index.contains(missHi[i], missLo[i]));
        }
        System.out.printf("index of %,d distinct chunks%n", index.size());
    }

    @Benchmark
    public ChunkIndex build() {
        return ChunkIndex.of(manifest);
    }

    @Benchmark
    public long findHit() {
        int i = next++ & MASK;
        return index.find(hitHi[i], hitLo[i]);
    }

    @Benchmark
    public long findMiss() {
        int i = next++ & MASK;
        return index.find(missHi[i], missLo[i]);
    }
}
