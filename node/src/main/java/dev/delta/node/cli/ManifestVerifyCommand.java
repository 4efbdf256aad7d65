package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestPath;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** {@code delta manifest verify FILE DIR}: does DIR hold exactly what the manifest describes? */
@Command(name = "verify",
        header = "Check that DIR matches the manifest exactly.",
        description = {
                "Check that DIR matches the manifest exactly: same paths and types, same content (SHA-256 "
                        + "and chunks), same modes, mtimes and symlink targets. Reads every file. Ignore rules "
                        + "(DIR/.deltaignore, --exclude) only hide paths the manifest does not list: every path "
                        + "it lists is checked, even one the rules would leave out of a build.",
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
            throw new CommandLine.ParameterException(cl, (Files.exists(dir) ? "not a directory: " : "no such directory: ")
                    + dir);
        }
        List<String> skip = new ArrayList<>(excludes);
        String inside = ManifestBuildCommand.insideTree(dir, file);
        if (inside != null && m.get(inside) == null) { // the manifest file itself, kept in the tree it describes
            skip.add(ManifestBuildCommand.literalPattern(inside));
        }
        ScanResult r;
        try (ProgressBar bar = new ProgressBar("verifying", ProgressBar.wanted(quiet || json))) {
            ScanOptions opts = ScanOptions.builder(m.dataset()).version(m.version()).chunker(m.chunker())
                    .excludes(skip).useIgnoreFile(!noIgnoreFile).kept(listed(m))
                    .progress((phase, fd, ft, bd, bt) -> bar.update(fd, ft, bd, bt)).build();
            r = new Scanner(opts).scan(dir);
        }
        List<Difference> diffs = new ArrayList<>();
        for (PathChange c : ManifestDiff.between(m, r.manifest()).changes()) {
            diffs.addAll(describe(c));
        }
        for (ScanProblem p : r.problems()) {
            diffs.add(new Difference("skipped", p.path(), null, p.reason()));
        }
        PrintWriter out = cl.getOut();
        if (json) {
            try (JsonGenerator g = Json.generator(out)) {
                g.writeStartObject();
                g.writeBooleanField("match", diffs.isEmpty());
                g.writeNumberField("entries", m.entries().size());
                g.writeArrayFieldStart("differences");
                for (Difference d : diffs) {
                    g.writeStartObject();
                    g.writeStringField("kind", d.kind());
                    g.writeStringField("path", d.path());
                    if (d.expected() != null) {
                        g.writeStringField("expected", d.expected());
                    }
                    if (d.found() != null) {
                        g.writeStringField("found", d.found());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        } else {
            diffs.forEach(d -> out.println(d.line()));
            out.println(diffs.isEmpty()
                    ? "OK: " + dir + " matches " + m.dataset() + " v" + m.version() + " (" + Units.count(m.entries().size())
                    + " entries, " + Units.bytes(m.totalBytes()) + ")"
                    : "DIFFERS: " + diffs.size() + " difference(s) between " + dir + " and " + m.dataset() + " v"
                    + m.version());
        }
        out.flush();
        return diffs.isEmpty() ? ExitCode.OK : ExitCode.DIFFERENCES;
    }

    /**
     * The paths the manifest lists and every directory above them: the scan takes these in
     * whatever the ignore rules say (a publish may have used other rules than the tree's own
     * ignore file, such as a config's negations), so that they are compared, not missed.
     */
    private static Predicate<String> listed(Manifest m) {
        Set<String> above = new HashSet<>();
        for (Entry e : m.entries()) {
            String p = e.path();
            for (int slash = p.lastIndexOf('/'); slash > 0; slash = p.lastIndexOf('/')) {
                p = p.substring(0, slash);
                if (!above.add(p)) {
                    break;
                }
            }
        }
        return p -> above.contains(p) || m.get(p) != null;
    }

    /**
     * One difference between the manifest and the tree. {@code kind} is extra, missing, type,
     * content, target, mode, mtime, or skipped (a path the scan could not take in: unreadable, a
     * FIFO, a name a manifest cannot hold). {@code expected} is the manifest's side and
     * {@code found} the tree's, each null when that side has nothing to say.
     */
    record Difference(String kind, String path, String expected, String found) {
        /** The text form: the kind, the path, and what was expected and found. */
        String line() {
            String detail = switch (kind) {
                case "extra" -> found + " not in the manifest";
                case "missing" -> expected;
                case "skipped" -> found;
                case "target" -> "expected -> " + expected + ", found -> " + found;
                case "type", "content" -> "expected " + expected + ", found " + found;
                default -> kind + " expected " + expected + ", found " + found; // mode, mtime
            };
            // a path the scan skipped may hold characters a manifest cannot: quoted
            return String.format("%-11s %s (%s)", kind, kind.equals("skipped") ? ManifestPath.quote(path) : path,
                    detail);
        }
    }

    /** The differences one change stands for: none when it is only an mtime and times are ignored. */
    private List<Difference> describe(PathChange c) {
        Entry want = c.oldEntry();
        Entry have = c.newEntry();
        String path = c.path();
        switch (c.action()) {
            case ADD:
                return List.of(new Difference("extra", path, null, have.type().label()));
            case DELETE:
                return List.of(new Difference("missing", path, want.type().label(), null));
            case TYPE_CHANGE:
                return List.of(new Difference("type", path, want.type().label(), have.type().label()));
            case UPDATE:
                return List.of(want.isSymlink()
                        ? new Difference("target", path, want.target(), have.target())
                        : new Difference("content", path, content(want), content(have)));
            case METADATA:
                List<Difference> parts = new ArrayList<>();
                if (want.mode() != have.mode()) {
                    parts.add(new Difference("mode", path, String.format("%04o", want.mode()),
                            String.format("%04o", have.mode())));
                }
                if (want.mtimeNanos() != have.mtimeNanos() && !ignoreTimes) {
                    parts.add(new Difference("mtime", path, java.time.Instant.ofEpochSecond(0, want.mtimeNanos()).toString(),
                            java.time.Instant.ofEpochSecond(0, have.mtimeNanos()).toString()));
                }
                return parts;
            default:
                return List.of();
        }
    }

    /** A file's content as a difference shows it: its size and SHA-256. */
    private static String content(Entry e) {
        return e.size() + " bytes sha256 " + e.sha256Hex();
    }
}
