package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.scan.FileStateCache;
import dev.delta.engine.scan.PhaseLog;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanProblem;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.ScanStats;
import dev.delta.engine.scan.Scanner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/** {@code delta manifest build DIR}: scan a tree and write its manifest. */
@Command(name = "build",
        header = "Scan DIR and write its block manifest.",
        description = "Scan DIR and write its block manifest: every file chunked with FastCDC (on all cores), "
                + "hashed with XXH3-128 per chunk and SHA-256 per file; directories (empty ones too), "
                + "symlinks (never followed), modes and mtimes recorded. Ignore rules come from "
                + "DIR/.deltaignore and --exclude (gitignore syntax). With --cache, files whose size, "
                + "mtime, inode and ctime are unchanged are not read again. Paths that cannot be read are "
                + "listed and the build fails (exit 3) unless --allow-problems.")
final class ManifestBuildCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(paramLabel = "DIR", description = "The directory to scan.")
    Path dir;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the manifest (default: <DIR name>.dm in the current directory).")
    Path output;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Dataset name (default: DIR's name).")
    String dataset;

    @Option(names = "--version", paramLabel = "N", defaultValue = "1", description = "Version number (default: ${DEFAULT-VALUE}).")
    long version;

    @Option(names = "--parent", paramLabel = "N", defaultValue = "0", description = "Parent version, 0 for none (default: ${DEFAULT-VALUE}).")
    long parent;

    @Mixin
    ChunkerOptions chunker;

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Ignore pattern (gitignore syntax); repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--no-ignore-file", description = "Do not read DIR/.deltaignore.")
    boolean noIgnoreFile;

    @Option(names = "--cache", paramLabel = "DIR", description = "File-state cache directory: unchanged files are not read again.")
    Path cacheDir;

    @Option(names = "--threads", paramLabel = "N", description = "Chunking threads (default: one per core).")
    Integer threads;

    @Option(names = "--allow-problems", description = "Write the manifest without the paths that could not be read.")
    boolean allowProblems;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no summary.")
    boolean quiet;

    @Option(names = "--json", description = "Print the summary as JSON.")
    boolean json;

    /** An ignore pattern (gitignore syntax) for exactly the path {@code rel} from the tree's root. */
    static String literalPattern(String rel) {
        return "/" + rel.replaceAll("([\\\\*?\\[])", "\\\\$1");
    }

    /** {@code file}'s path relative to {@code dir} when it lies inside it, else null. */
    static String insideTree(Path dir, Path file) throws IOException {
        Path root = dir.toRealPath();
        Path parent = file.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return null;
        }
        Path f = parent.toRealPath().resolve(file.getFileName());
        return f.startsWith(root) && !f.equals(root) ? root.relativize(f).toString() : null;
    }

    @Override
    public Integer call() throws IOException {
        PhaseLog.mark("command line parsed");
        CommandLine cl = spec.commandLine();
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(cl, (Files.exists(dir) ? "not a directory: " : "no such directory: ")
                    + dir);
        }
        String name = dataset != null ? dataset : defaultDataset(dir);
        Path out = output != null ? output : Path.of(defaultDataset(dir) + ".dm");
        if (Files.isDirectory(out)) {
            throw new CommandLine.ParameterException(cl, "-o " + out + " is a directory; give the manifest file's "
                    + "name (e.g. " + out.resolve(name + ".dm") + ")");
        }
        List<String> skip = new ArrayList<>(excludes);
        String inside = insideTree(dir, out);
        if (inside != null) {
            // A manifest written into the tree it describes would be in the next build's manifest,
            // which then never verifies against the tree (it changes as it is written).
            skip.add(literalPattern(inside));
        }
        ScanOptions.Builder ob;
        try {
            ob = ScanOptions.builder(name).version(version).parentVersion(parent).chunker(chunker.params(cl))
                    .excludes(skip).useIgnoreFile(!noIgnoreFile);
            if (threads != null) {
                ob.threads(threads);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        ScanResult r;
        // Chronicle Map starts on its own thread while the tree is walked.
        CompletableFuture<FileStateCache> cache = cacheDir == null ? null
                : FileStateCache.openInBackground(cacheDir, 1024);
        try (ProgressBar bar = new ProgressBar("chunking", ProgressBar.wanted(quiet || json))) {
            if (cache != null) {
                ob.cache(cacheDir, cache);
            }
            ScanOptions opts = ob.progress((phase, fd, ft, bd, bt) -> bar.update(fd, ft, bd, bt)).build();
            r = new Scanner(opts).scan(dir);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        } finally {
            if (cache != null) {
                cache.join().close();
                PhaseLog.mark("cache closed");
            }
        }
        PrintWriter err = cl.getErr();
        for (ScanProblem p : r.problems()) {
            err.println("delta: " + (allowProblems ? "skipped " : "cannot include ") + p);
        }
        if (!r.isComplete() && !allowProblems) {
            err.println("delta: " + r.problems().size() + " path(s) could not be read; no manifest written"
                    + " (use --allow-problems to write one without them)");
            return ExitCode.BAD_INPUT;
        }
        Manifest m = r.manifest();
        ManifestFiles.Written written = ManifestFiles.write(m, out, !quiet); // -q prints no root digest
        long encoded = written.encodedBytes();
        byte[] root = written.rootDigest();
        PhaseLog.mark("manifest written");
        if (!quiet) {
            summary(cl.getOut(), out, m, r.stats(), root, encoded);
        }
        return ExitCode.OK;
    }

    private void summary(PrintWriter o, Path out, Manifest m, ScanStats s, byte[] root, long encoded) throws IOException {
        if (json) {
            try (JsonGenerator g = Json.generator(o)) {
                g.writeStartObject();
                g.writeStringField("manifest", out.toString());
                g.writeStringField("dataset", m.dataset());
                g.writeNumberField("version", m.version());
                g.writeStringField("root_digest", Sha256.hex(root));
                g.writeNumberField("manifest_bytes", encoded);
                g.writeNumberField("files", s.files());
                g.writeNumberField("dirs", s.dirs());
                g.writeNumberField("symlinks", s.symlinks());
                g.writeNumberField("ignored", s.ignored());
                g.writeNumberField("bytes", s.bytes());
                g.writeNumberField("chunks", m.chunkCount());
                g.writeNumberField("bytes_read", s.bytesRead());
                g.writeNumberField("bytes_from_cache", s.bytesReused());
                g.writeNumberField("cache_hits", s.cacheHits());
                g.writeNumberField("duration_ms", s.duration().toMillis());
                g.writeEndObject();
            }
            return;
        }
        o.printf("wrote %s: %s v%d, %s files, %s dirs, %s symlinks, %s in %s chunks%n", out, m.dataset(), m.version(),
                Units.count(s.files()), Units.count(s.dirs()), Units.count(s.symlinks()), Units.bytes(s.bytes()),
                Units.count(m.chunkCount()));
        o.printf("root digest %s (manifest %s)%n", Sha256.hex(root), Units.bytes(encoded));
        o.printf("scanned in %s: read %s (%s)%s%s%n", Units.millis(s.duration().toMillis()), Units.bytes(s.bytesRead()),
                Units.rate(s.bytesRead(), s.duration().toNanos()),
                s.cacheHits() > 0 ? ", " + Units.count(s.cacheHits()) + " files (" + Units.bytes(s.bytesReused())
                        + ") unchanged from cache" : "",
                s.ignored() > 0 ? ", " + Units.count(s.ignored()) + " ignored" : "");
        o.flush();
    }

    /** DIR's name made into a valid dataset name. */
    static String defaultDataset(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String n = abs.getFileName() == null ? "root" : abs.getFileName().toString();
        String s = n.replaceAll("[^A-Za-z0-9._-]", "-");
        if (s.startsWith(".")) {
            s = "d" + s;
        }
        return s.length() > 128 ? s.substring(0, 128) : s.isEmpty() ? "root" : s;
    }
}
