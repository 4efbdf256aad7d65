package dev.delta.node.cli;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.scan.FileStateCache;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import dev.delta.node.demo.DemoData;
import dev.delta.node.demo.PlanApplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code delta demo}: the guided tour on generated data. Builds a dataset, replicates it cold to
 * an edge directory, publishes a release-like edit, brings the edge up to date from the range
 * plan alone, rolls back, and checks every step.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
                "Run the tour on generated data in a temporary directory: build manifest v1, replicate it to an empty",
                "edge copy, edit the tree like a release, build v2 with the incremental cache, bring the edge to v2",
                "from the range plan alone (local copies + fetched ranges), verify byte for byte, roll back.",
                "Exits 0 when every step checked out."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "Work in DIR (must not exist) instead of a temporary directory.")
    Path dir;

    @Option(names = "--keep", description = "Keep the working directory afterwards.")
    boolean keep;

    @Option(names = "--files", paramLabel = "N", defaultValue = "600", description = "Text files to generate (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--blob-mib", paramLabel = "MIB", defaultValue = "8", description = "Size of each of the 3 binary files (default: ${DEFAULT-VALUE}).")
    int blobMib;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    private PrintWriter out;
    private final List<String[]> table = new ArrayList<>();
    private boolean ok = true;

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        if (files < 10 || blobMib < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--files must be >= 10 and --blob-mib >= 1");
        }
        Path work = dir != null ? Files.createDirectory(dir) : Files.createTempDirectory("delta-demo-");
        try {
            run(work);
        } finally {
            if (!keep) {
                deleteTree(work);
            } else {
                out.println("kept " + work);
            }
        }
        out.println();
        out.printf("%-26s %10s %12s %12s %12s %9s  %s%n", "step", "files", "dataset", "fetched", "reused", "time", "check");
        for (String[] r : table) {
            out.printf("%-26s %10s %12s %12s %12s %9s  %s%n", (Object[]) r);
        }
        out.println();
        out.println(ok ? "demo OK: every step checked out" : "demo FAILED: see the steps marked FAIL above");
        out.flush();
        return ok ? ExitCode.OK : ExitCode.BAD_INPUT;
    }

    private void run(Path work) throws IOException {
        Path origin = work.resolve("origin");
        Path edge = work.resolve("edge");
        Files.createDirectories(origin);
        Files.createDirectories(edge.resolve("releases"));
        out.println("working in " + work);

        DemoData data = new DemoData(seed);
        DemoData.Summary gen = data.generate(origin, files, blobMib);
        out.printf("generated %s files (%s) in %s%n", Units.count(gen.files()), Units.bytes(gen.bytes()), origin);

        try (FileStateCache cache = FileStateCache.open(work.resolve("cache"), 4096)) {
            // 1. origin: manifest v1
            Manifest v1 = build(origin, cache, 1, 0, "origin: build v1");
            ManifestFiles.write(v1, work.resolve("v1.dm"));

            // 2. edge: cold replication of v1
            Path empty = Files.createDirectories(edge.resolve("releases/v0"));
            replicate(null, new ChunkIndex(), v1, empty, edge.resolve("releases/v1"), origin, "edge: cold sync to v1");
            switchCurrent(edge, "releases/v1");

            // 3. origin: release edits, incremental build of v2
            out.println("editing the origin tree like a release:");
            for (String line : data.release(origin)) {
                out.println("  - " + line);
            }
            Manifest v2 = build(origin, cache, 2, 1, "origin: build v2 (cached)");
            ManifestFiles.write(v2, work.resolve("v2.dm"));
            ManifestDiff d = ManifestDiff.between(v1, v2);
            out.printf("diff v1 -> v2: %d changed paths of %d%n", d.changes().size(), v2.entries().size());

            // 4. edge: v1 -> v2 from the range plan
            replicate(v1, ChunkIndex.of(v1), v2, edge.resolve("releases/v1"), edge.resolve("releases/v2"), origin,
                    "edge: sync v1 -> v2");
            switchCurrent(edge, "releases/v2");

            // 5. edge: rollback is a symlink switch
            long t0 = System.nanoTime();
            switchCurrent(edge, "releases/v1");
            boolean back = verify(v1, edge.resolve("current"));
            row("edge: rollback to v1", v1, 0, 0, t0, back);

            // 6. the two manifests, checked by their root digests
            ManifestFiles.Loaded l1 = ManifestFiles.read(work.resolve("v1.dm"));
            ManifestFiles.Loaded l2 = ManifestFiles.read(work.resolve("v2.dm"));
            boolean digests = java.util.Arrays.equals(l1.rootDigest(), new ManifestCodec().rootDigest(v1))
                    && java.util.Arrays.equals(l2.rootDigest(), new ManifestCodec().rootDigest(v2));
            out.printf("root digests: v1 %s…, v2 %s…%s%n", Sha256.hex(l1.rootDigest()).substring(0, 16),
                    Sha256.hex(l2.rootDigest()).substring(0, 16), digests ? "" : "  MISMATCH");
            ok &= digests;
        }
    }

    private Manifest build(Path root, FileStateCache cache, long version, long parent, String step) throws IOException {
        long t0 = System.nanoTime();
        ScanResult r = new Scanner(ScanOptions.builder("demo").version(version).parentVersion(parent).cache(cache)
                .build()).scan(root);
        boolean complete = r.isComplete();
        out.printf("%s: %s files, %s read, %s from cache%n", step, Units.count(r.stats().files()),
                Units.bytes(r.stats().bytesRead()), Units.bytes(r.stats().bytesReused()));
        table.add(new String[]{step, Units.count(r.stats().files()), Units.bytes(r.stats().bytes()), "-",
                Units.bytes(r.stats().bytesReused()), Units.millis((System.nanoTime() - t0) / 1_000_000),
                complete ? "ok" : "FAIL"});
        ok &= complete;
        return r.manifest();
    }

    private void replicate(Manifest current, ChunkIndex local, Manifest target, Path currentDir, Path newDir,
                           Path origin, String step) throws IOException {
        long t0 = System.nanoTime();
        RangePlan plan = new RangePlanner().plan(current, local, target);
        PlanApplier applier = new PlanApplier(currentDir, newDir, (path, offset, dst) -> {
            try (FileChannel ch = FileChannel.open(origin.resolve(path))) {
                while (dst.hasRemaining()) {
                    if (ch.read(dst, offset + dst.position()) < 0) {
                        throw new IOException("origin file shorter than planned: " + path);
                    }
                }
            }
        });
        applier.apply(target, plan);
        boolean verified = verify(target, newDir) && applier.bytesFetched() == plan.bytesToFetch();
        if (current != null && applier.bytesFetched() * 4 > plan.bytesTotal()) {
            out.println("  an incremental release should fetch well under a quarter of the dataset");
            verified = false;
        }
        out.printf("%s: fetched %s of %s (%s), reused %s locally%n", step, Units.bytes(applier.bytesFetched()),
                Units.bytes(plan.bytesTotal()), Units.percent(applier.bytesFetched(), plan.bytesTotal()),
                Units.bytes(plan.bytesReused()));
        row(step, target, applier.bytesFetched(), plan.bytesReused(), t0, verified);
    }

    private void row(String step, Manifest m, long fetched, long reused, long t0, boolean check) {
        table.add(new String[]{step, Units.count(m.fileCount()), Units.bytes(m.totalBytes()), Units.bytes(fetched),
                Units.bytes(reused), Units.millis((System.nanoTime() - t0) / 1_000_000), check ? "ok" : "FAIL"});
        ok &= check;
    }

    /** Rescans {@code dir} and compares with {@code m}: content, types, modes, mtimes, targets. */
    private boolean verify(Manifest m, Path dir) throws IOException {
        ScanResult r = new Scanner(ScanOptions.builder(m.dataset()).version(m.version()).chunker(m.chunker()).build())
                .scan(dir.toRealPath());
        ManifestDiff d = ManifestDiff.between(m, r.manifest());
        if (d.hasDifferences() || !r.isComplete()) {
            d.changes().forEach(c -> out.println("  differs: " + c.action().label() + " " + c.path()));
            return false;
        }
        return true;
    }

    private static void switchCurrent(Path edge, String target) throws IOException {
        Path tmp = edge.resolve("current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(target));
        Files.move(tmp, edge.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
