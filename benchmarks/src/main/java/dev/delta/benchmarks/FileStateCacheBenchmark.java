package dev.delta.benchmarks;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.scan.FileStat;
import dev.delta.engine.scan.FileStateCache;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The persisted file-state cache (Chronicle Map) that makes a rescan of an unchanged tree a
 * stat-only walk: 100,000 paths of 4 chunks each, as a source tree's cache holds.
 *
 * <ul>
 *   <li>{@code lookupHit}: one {@code lookup} of a cached path with its unchanged stat (what a
 *       rescan does per file): map get, checksum check, decode of the chunk list.</li>
 *   <li>{@code store}: one {@code store} of a changed file's entry (what a scan does per file it
 *       had to read).</li>
 * </ul>
 *
 * Run with {@code java -jar benchmarks/target/benchmarks.jar FileStateCacheBenchmark -prof gc}.
 * The fork passes the JVM flags Chronicle Map needs on Java 17 and turns its analytics off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class FileStateCacheBenchmark {
    private static final int PATHS = 100_000;
    private static final int MASK = (1 << 16) - 1;
    /** When the "read" started, in epoch nanoseconds: long after the files' mtimes, so nothing is racy. */
    private static final long NOW_NANOS = System.currentTimeMillis() * 1_000_000L;

    private Path dir;
    private FileStateCache cache;
    private String[] paths;
    private FileStat[] stats;
    private ChunkedFile file;
    private final ChunkerParams params = ChunkerParams.DEFAULT;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("delta-filestate-bench");
        cache = FileStateCache.open(dir, PATHS);
        if (!cache.isEnabled()) {
            throw new IllegalStateException("the file-state cache did not open in " + dir);
        }
        SplittableRandom r = new SplittableRandom(17);
        ChunkList.Builder b = ChunkList.builder();
        for (int i = 0; i < 4; i++) {
            b.add(16_384, r.nextLong(), r.nextLong());
        }
        ChunkList chunks = b.build();
        byte[] sha = new byte[32];
        file = new ChunkedFile(chunks.totalLength(), sha, chunks);
        paths = new String[PATHS];
        stats = new FileStat[PATHS];
        long old = 1_600_000_000_000_000_000L; // long ago: never "racily clean"
        for (int i = 0; i < PATHS; i++) {
            paths[i] = String.format("src/module%03d/pkg%02d/File%06d.java", i % 300, i % 17, i);
            stats[i] = new FileStat(FileStat.Kind.FILE, 0644, chunks.totalLength(), old + i, 1_000_000 + i, 2049,
                    old + i);
            cache.store(paths[i], stats[i], params, file, NOW_NANOS);
        }
        for (int i = 0; i < PATHS; i += 997) {
            if (cache.lookup(paths[i], stats[i], params) == null) {
                throw new IllegalStateException("setup: " + paths[i] + " is not cached");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        cache.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public ChunkedFile lookupHit() {
        int i = (next++ & MASK) % PATHS;
        return cache.lookup(paths[i], stats[i], params);
    }

    @Benchmark
    public int store() {
        int i = (next++ & MASK) % PATHS;
        cache.store(paths[i], stats[i], params, file, NOW_NANOS);
        return i;
    }
}
