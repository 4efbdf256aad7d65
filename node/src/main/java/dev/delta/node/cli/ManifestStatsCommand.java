package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code delta manifest stats FILE}: counts, dedup ratio and the chunk-size histogram. */
@Command(name = "stats",
        header = "Summarize a manifest: counts, dedup ratio, chunk-size histogram.",
        description = "Summarize a manifest: files, bytes, chunks, distinct chunks, dedup ratio, chunk-size "
                + "histogram.")
final class ManifestStatsCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The manifest file.")
    Path file;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        ManifestFiles.Loaded l = ManifestFiles.read(file);
        Manifest m = l.manifest();
        ManifestStats s = ManifestStats.of(m);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            try (JsonGenerator g = Json.generator(out)) {
                g.writeStartObject();
                g.writeStringField("dataset", m.dataset());
                g.writeNumberField("version", m.version());
                g.writeStringField("root_digest", Sha256.hex(l.rootDigest()));
                g.writeNumberField("manifest_bytes", l.encodedBytes());
                g.writeNumberField("files", s.files());
                g.writeNumberField("dirs", s.dirs());
                g.writeNumberField("symlinks", s.symlinks());
                g.writeNumberField("bytes", s.bytes());
                g.writeNumberField("chunks", s.chunks());
                g.writeNumberField("unique_chunks", s.uniqueChunks());
                g.writeNumberField("unique_bytes", s.uniqueBytes());
                g.writeNumberField("dedup_ratio", Math.round(s.dedupRatio() * 10000) / 10000.0);
                g.writeNumberField("mean_chunk", Math.round(s.meanChunk()));
                g.writeArrayFieldStart("histogram");
                long[] h = s.histogram();
                for (int k = 0; k < h.length; k++) {
                    if (h[k] > 0) {
                        g.writeStartObject();
                        g.writeNumberField("from", 1L << k);
                        g.writeNumberField("to", (1L << (k + 1)) - 1);
                        g.writeNumberField("chunks", h[k]);
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            return ExitCode.OK;
        }
        out.printf("dataset        %s v%d%n", m.dataset(), m.version());
        out.printf("root digest    %s%n", Sha256.hex(l.rootDigest()));
        out.printf("manifest size  %s%n", Units.bytes(l.encodedBytes()));
        out.printf("files          %s (%s dirs, %s symlinks)%n", Units.count(s.files()), Units.count(s.dirs()),
                Units.count(s.symlinks()));
        out.printf("bytes          %s (%s)%n", Units.count(s.bytes()), Units.bytes(s.bytes()));
        out.printf("chunks         %s (mean %s)%n", Units.count(s.chunks()), Units.bytes(Math.round(s.meanChunk())));
        out.printf("unique chunks  %s (%s)%n", Units.count(s.uniqueChunks()), Units.bytes(s.uniqueBytes()));
        out.printf(Locale.ROOT, "dedup ratio    %.3f%n", s.dedupRatio());
        out.println("chunk sizes:");
        long[] h = s.histogram();
        long peak = 1;
        for (long v : h) {
            peak = Math.max(peak, v);
        }
        for (int k = 0; k < h.length; k++) {
            if (h[k] > 0) {
                int bar = (int) Math.max(1, Math.round(40.0 * h[k] / peak));
                out.printf("  %10s - %-10s %10s  %s%n", Units.bytes(1L << k), Units.bytes((1L << (k + 1)) - 1),
                        Units.count(h[k]), "#".repeat(bar));
            }
        }
        out.flush();
        return ExitCode.OK;
    }
}
