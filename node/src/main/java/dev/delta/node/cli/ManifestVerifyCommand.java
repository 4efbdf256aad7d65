package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanProblem;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code delta manifest verify FILE DIR}: does DIR hold exactly what the manifest describes? */
@Command(name = "verify",
        header = "Check that DIR matches the manifest exactly.",
        description = {
                "Check that DIR matches the manifest exactly: same paths and types, same content (SHA-256 "
                        + "and chunks), same modes, mtimes and symlink targets. Reads every file. Ignore rules "
                        + "apply as for build.",
                "Lists each difference; exit code 0 when DIR matches, 1 when it differs."})
final class ManifestVerifyCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The manifest file.")
    Path file;

    @Parameters(index = "1", paramLabel = "DIR", description = "The directory to check.")
    Path dir;

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Ignore pattern (gitignore syntax); repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--no-ignore-file", description = "Do not read DIR/.deltaignore.")
    boolean noIgnoreFile;

    @Option(names = "--ignore-times", description = "Do not compare mtimes.")
    boolean ignoreTimes;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        Manifest m = ManifestFiles.read(file).manifest();
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(cl, "not a directory: " + dir);
        }
        List<String> skip = new ArrayList<>(excludes);
        String inside = ManifestBuildCommand.insideTree(dir, file);
        if (inside != null && m.get(inside) == null) { // the manifest file itself, kept in the tree it describes
            skip.add(ManifestBuildCommand.literalPattern(inside));
        }
        ScanResult r;
        try (ProgressBar bar = new ProgressBar("verifying", ProgressBar.wanted(quiet || json))) {
            ScanOptions opts = ScanOptions.builder(m.dataset()).version(m.version()).chunker(m.chunker())
                    .excludes(skip).useIgnoreFile(!noIgnoreFile)
                    .progress((phase, fd, ft, bd, bt) -> bar.update(fd, ft, bd, bt)).build();
            r = new Scanner(opts).scan(dir);
        }
        List<String> diffs = new ArrayList<>();
        for (PathChange c : ManifestDiff.between(m, r.manifest()).changes()) {
            String d = describe(c);
            if (d != null) {
                diffs.add(d);
            }
        }
        for (ScanProblem p : r.problems()) {
            diffs.add("unreadable  " + p);
        }
        PrintWriter out = cl.getOut();
        if (json) {
            try (JsonGenerator g = Json.generator(out)) {
                g.writeStartObject();
                g.writeBooleanField("match", diffs.isEmpty());
                g.writeNumberField("entries", m.entries().size());
                g.writeArrayFieldStart("differences");
                for (String d : diffs) {
                    g.writeString(d);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        } else {
            diffs.forEach(out::println);
            out.println(diffs.isEmpty()
                    ? "OK: " + dir + " matches " + m.dataset() + " v" + m.version() + " (" + Units.count(m.entries().size())
                    + " entries, " + Units.bytes(m.totalBytes()) + ")"
                    : "DIFFERS: " + diffs.size() + " difference(s) between " + dir + " and " + m.dataset() + " v"
                    + m.version());
        }
        out.flush();
        return diffs.isEmpty() ? ExitCode.OK : ExitCode.DIFFERENCES;
    }

    /** One line for a difference, or null when it is only an mtime and times are ignored. */
    private String describe(PathChange c) {
        Entry want = c.oldEntry();
        Entry have = c.newEntry();
        switch (c.action()) {
            case ADD:
                return "extra       " + c.path() + " (" + have.type().label() + " not in the manifest)";
            case DELETE:
                return "missing     " + c.path() + " (" + want.type().label() + ")";
            case TYPE_CHANGE:
                return "type        " + c.path() + " (expected " + want.type().label() + ", found " + have.type().label() + ")";
            case UPDATE:
                return want.isSymlink()
                        ? "target      " + c.path() + " (expected -> " + want.target() + ", found -> " + have.target() + ")"
                        : "content     " + c.path() + " (expected " + want.size() + " bytes sha256 "
                        + want.sha256Hex().substring(0, 16) + "…, found " + have.size() + " bytes sha256 "
                        + have.sha256Hex().substring(0, 16) + "…)";
            case METADATA:
                List<String> parts = new ArrayList<>();
                if (want.mode() != have.mode()) {
                    parts.add(String.format("mode expected %04o, found %04o", want.mode(), have.mode()));
                }
                if (want.mtimeNanos() != have.mtimeNanos() && !ignoreTimes) {
                    parts.add("mtime expected " + java.time.Instant.ofEpochSecond(0, want.mtimeNanos()) + ", found "
                            + java.time.Instant.ofEpochSecond(0, have.mtimeNanos()));
                }
                return parts.isEmpty() ? null : "metadata    " + c.path() + " (" + String.join("; ", parts) + ")";
            default:
                return null;
        }
    }
}
