package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;
import dev.delta.engine.plan.Segment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code delta manifest diff OLD NEW}: per-path changes and what an edge holding OLD must fetch for NEW. */
@Command(name = "diff",
        header = "Compare two manifests: per-path actions and the bytes to fetch.",
        description = {
                "Compare two manifests: per-path actions (add, update, delete, metadata, type-change), "
                        + "the chunks of NEW found nowhere in OLD, and the bytes an edge holding OLD would fetch "
                        + "versus copy locally.",
                "Exit code 1 when the manifests differ, 0 when they are the same."})
final class ManifestDiffCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD", description = "The older manifest file.")
    Path oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "The newer manifest file.")
    Path newFile;

    @Option(names = "--json", description = "Print one JSON object: changes, summary and transfer plan.")
    boolean json;

    @Option(names = "--all", description = "List unchanged paths too.")
    boolean all;

    @Option(names = "--plan", description = "Also list, per file to assemble, the byte ranges copied locally or fetched.")
    boolean plan;

    @Override
    public Integer call() throws IOException {
        Manifest a = ManifestFiles.read(oldFile).manifest();
        Manifest b = ManifestFiles.read(newFile).manifest();
        RangePlan p = new RangePlanner().plan(a, ChunkIndex.of(a), b);
        ManifestDiff d = p.diff();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            writeJson(out, a, b, p);
        } else {
            writeText(out, p);
        }
        out.flush();
        return d.hasDifferences() ? ExitCode.DIFFERENCES : ExitCode.OK;
    }

    private void writeText(PrintWriter out, RangePlan p) {
        ManifestDiff d = p.diff();
        for (PathChange c : all ? d.all() : d.changes()) {
            Entry e = c.effective();
            String detail = e.isFile() ? e.sha256Hex().substring(0, 16) + "  " + Units.bytes(e.size())
                    : e.isSymlink() ? "-> " + e.target() : "dir";
            if (c.action() == ChangeAction.TYPE_CHANGE) {
                detail = c.oldEntry().type().label() + " -> " + c.newEntry().type().label();
            }
            out.printf("%-12s %s  (%s)%n", c.action().label(), c.path(), detail);
        }
        if (plan) {
            for (FilePlan f : p.files()) {
                out.println("plan " + f.path() + ":");
                for (Segment s : f.segments()) {
                    out.printf("  %-9s [%d, %d) %s%n", s.kind().name().toLowerCase(java.util.Locale.ROOT), s.offset(),
                            s.end(), s.kind() == Segment.Kind.FETCH || s.kind() == Segment.Kind.ZERO ? ""
                                    : "<- " + s.sourcePath() + " v" + s.sourceVersion() + " @" + s.sourceOffset());
                }
            }
        }
        out.printf("%s added, %s updated, %s deleted, %s metadata, %s type changes, %s unchanged%n",
                d.count(ChangeAction.ADD), d.count(ChangeAction.UPDATE), d.count(ChangeAction.DELETE),
                d.count(ChangeAction.METADATA), d.count(ChangeAction.TYPE_CHANGE), d.count(ChangeAction.UNCHANGED));
        out.printf("transfer: %s new chunks, %s to fetch in %s ranges; %s reused locally (%s of %s)%s%n",
                Units.count(p.neededChunks()), Units.bytes(p.bytesToFetch()), Units.count(p.fetchRanges()),
                Units.bytes(p.bytesReused()), Units.percent(p.bytesReused(), p.bytesTotal()),
                Units.bytes(p.bytesTotal()), p.bytesZero() == 0 ? ""
                        : ", of which " + Units.bytes(p.bytesZero()) + " are zeros left as holes");
    }

    private void writeJson(PrintWriter out, Manifest a, Manifest b, RangePlan p) throws IOException {
        ManifestDiff d = p.diff();
        try (JsonGenerator g = Json.generator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("old");
            g.writeStringField("dataset", a.dataset());
            g.writeNumberField("version", a.version());
            g.writeEndObject();
            g.writeObjectFieldStart("new");
            g.writeStringField("dataset", b.dataset());
            g.writeNumberField("version", b.version());
            g.writeEndObject();
            g.writeArrayFieldStart("changes");
            for (PathChange c : all ? d.all() : d.changes()) {
                Entry e = c.effective();
                g.writeStartObject();
                g.writeStringField("path", c.path());
                g.writeStringField("action", c.action().label());
                g.writeStringField("type", e.type().label());
                if (e.isFile()) {
                    g.writeStringField("hash", e.sha256Hex());
                    g.writeNumberField("size", e.size());
                } else if (e.isSymlink()) {
                    g.writeStringField("target", e.target());
                }
                if (c.action() == ChangeAction.TYPE_CHANGE) {
                    g.writeStringField("old_type", c.oldEntry().type().label());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("summary");
            for (ChangeAction act : ChangeAction.values()) {
                g.writeNumberField(act.label().replace('-', '_'), d.count(act));
            }
            g.writeEndObject();
            g.writeObjectFieldStart("transfer");
            g.writeNumberField("bytes_total", p.bytesTotal());
            g.writeNumberField("bytes_in_place", p.bytesInPlace());
            g.writeNumberField("bytes_reused_local", p.bytesLocal() + p.bytesDuplicate());
            g.writeNumberField("bytes_zero", p.bytesZero());
            g.writeNumberField("bytes_to_fetch", p.bytesToFetch());
            g.writeNumberField("needed_chunks", p.neededChunks());
            g.writeNumberField("fetch_ranges", p.fetchRanges());
            g.writeEndObject();
            if (plan) {
                g.writeArrayFieldStart("plan");
                for (FilePlan f : p.files()) {
                    g.writeStartObject();
                    g.writeStringField("path", f.path());
                    g.writeArrayFieldStart("segments");
                    for (Segment s : f.segments()) {
                        g.writeStartObject();
                        g.writeStringField("kind", s.kind().name().toLowerCase(java.util.Locale.ROOT));
                        g.writeNumberField("offset", s.offset());
                        g.writeNumberField("length", s.length());
                        if (s.kind() != Segment.Kind.FETCH && s.kind() != Segment.Kind.ZERO) {
                            g.writeStringField("source", s.sourcePath());
                            g.writeNumberField("source_version", s.sourceVersion());
                            g.writeNumberField("source_offset", s.sourceOffset());
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
    }
}
