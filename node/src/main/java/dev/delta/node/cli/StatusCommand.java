package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.ReleaseSpare;
import dev.delta.node.config.ConfigException;
import dev.delta.node.config.NodeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code delta status}: what a data directory holds, read without changing anything. */
@Command(name = "status",
        header = "Show what each dataset is at: version, hold, releases, staging.",
        description = {
                "Show what a node's data directory holds, per dataset: the version 'current' points at and "
                        + "whether a rollback holds it there, that version's files, bytes, publish time and "
                        + "signature, the retained releases, any release being built in staging (a sync "
                        + "that stopped midway; the next one resumes it), and the size of an edge's spare file "
                        + "(written while idle when a release has a file of 64 MiB or more).",
                "Reads only: safe beside a running node. Without --dataset, every dataset in the data "
                        + "directory."})
final class StatusCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Node config file (its data_dir, and its datasets if it lists any).")
    Path configFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (overrides the config's data_dir).")
    Path data;

    @Option(names = "--dataset", paramLabel = "NAME", description = "Only this dataset; repeatable.")
    List<String> datasets = new ArrayList<>();

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    /** One retained release. */
    record Release(long version, long bytes, boolean signed) {
    }

    /** What a dataset's store holds. */
    record DatasetStatus(String name, OptionalLong current, OptionalLong held, long files, long bytes,
                         long createdMillis, boolean signed, List<Release> releases, List<String> staging,
                         OptionalLong unswitched, long spareBytes) {
    }

    @Override
    public Integer call() throws IOException, ConfigException {
        CommandLine cl = spec.commandLine();
        NodeConfig cfg = configFile != null ? NodeConfig.load(configFile) : null;
        Path dataDir = DataDirOption.resolve(cl, data, cfg);
        for (String d : datasets) {
            try {
                Manifest.validateDataset(d);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IOException((Files.exists(dataDir) ? "not a directory: " : "no such directory: ") + dataDir);
        }
        List<String> names = !datasets.isEmpty() ? datasets
                : cfg != null && !cfg.datasets().isEmpty() ? cfg.datasets() : found(dataDir);
        List<DatasetStatus> all = new ArrayList<>();
        for (String name : names) {
            if (!DatasetStore.exists(dataDir, name)) {
                if (!datasets.isEmpty()) {
                    throw new IOException("no dataset " + name + " in " + dataDir);
                }
                all.add(new DatasetStatus(name, OptionalLong.empty(), OptionalLong.empty(), 0, 0, 0, false,
                        List.of(), List.of(), OptionalLong.empty(), 0));
                continue;
            }
            all.add(status(dataDir, name));
        }
        PrintWriter out = cl.getOut();
        if (json) {
            printJson(out, dataDir, all);
        } else if (all.isEmpty()) {
            out.println("no datasets in " + dataDir);
        } else {
            all.forEach(s -> printText(out, s));
        }
        out.flush();
        return ExitCode.OK;
    }

    /** The datasets of a data directory: its subdirectories that hold a store, by name. */
    private static List<String> found(Path dataDir) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (DatasetStore.exists(dataDir, n)) {
                    names.add(n);
                }
            }
        }
        return List.copyOf(names);
    }

    /** Reads one dataset's state; the store exists ({@link DatasetStore#exists}), so opening it makes nothing. */
    private static DatasetStatus status(Path dataDir, String name) throws IOException {
        DatasetStore s = DatasetStore.open(dataDir, name);
        OptionalLong cur = s.current();
        List<Release> releases = new ArrayList<>();
        List<Long> versions = s.versions();
        for (long v : versions) {
            releases.add(new Release(v, s.totalBytes(v), Files.exists(s.signatureFile(v))));
        }
        long files = 0;
        long bytes = 0;
        long created = 0;
        boolean signed = false;
        if (cur.isPresent()) {
            try {
                ManifestCodec.Summary sum = ManifestCodec.summarize(s.manifestBytes(cur.getAsLong()));
                files = sum.files();
                bytes = sum.totalBytes();
                created = sum.createdMillis();
            } catch (ManifestFormatException e) {
                throw new IOException(name + " v" + cur.getAsLong() + ": " + e.getMessage(), e);
            }
            signed = Files.exists(s.signatureFile(cur.getAsLong()));
        }
        List<String> staging = DatasetStore.staging(dataDir, name);
        // A release a publish committed but never switched to (killed in between): the next publish replaces it.
        OptionalLong pending = s.switchPending();
        OptionalLong unswitched = pending.isPresent() && !pending.equals(cur) && versions.contains(pending.getAsLong())
                ? pending : OptionalLong.empty();
        return new DatasetStatus(name, cur, s.heldAt(), files, bytes, created, signed, releases, staging, unswitched,
                ReleaseSpare.size(s));
    }

    private static void printText(PrintWriter out, DatasetStatus s) {
        if (s.current().isEmpty() && s.releases().isEmpty()) {
            out.printf("%s: nothing published or synced yet%s%n", s.name(),
                    s.staging().isEmpty() ? "" : "; staging: " + String.join(", ", s.staging()));
            return;
        }
        long newest = s.releases().isEmpty() ? 0 : s.releases().get(s.releases().size() - 1).version();
        String cur = s.current().isPresent() ? "v" + s.current().getAsLong() : "not set";
        String hold = s.held().isPresent()
                ? " (held by a rollback at v" + s.held().getAsLong() + (newest > s.held().getAsLong()
                ? "; v" + newest + " is stored" : "") + ")"
                : "";
        out.printf("%s: current %s%s%n", s.name(), cur, hold);
        if (s.current().isPresent()) {
            out.printf("  %s files, %s, made %s%s%n", Units.count(s.files()), Units.bytes(s.bytes()),
                    Instant.ofEpochMilli(s.createdMillis()).truncatedTo(ChronoUnit.SECONDS),
                    s.signed() ? ", signed" : "");
        }
        StringBuilder rel = new StringBuilder();
        for (Release r : s.releases()) {
            rel.append(rel.length() == 0 ? "" : ", ").append('v').append(r.version());
        }
        out.printf("  retained: %s%n", rel.length() == 0 ? "none" : rel);
        if (!s.staging().isEmpty()) {
            out.printf("  staging: %s (resumed by the next sync of that version)%n", String.join(", ", s.staging()));
        }
        if (s.spareBytes() > 0) {
            out.printf("  spare file: %s (the next update of a big file is written over it)%n", Units.bytes(s.spareBytes()));
        }
        if (s.unswitched().isPresent()) {
            out.printf("  v%d was committed by a publish that stopped before making it current; the next publish "
                    + "replaces it%n", s.unswitched().getAsLong());
        }
    }

    private static void printJson(PrintWriter out, Path dataDir, List<DatasetStatus> all) throws IOException {
        try (JsonGenerator g = Json.generator(out)) {
            g.writeStartObject();
            g.writeStringField("data_dir", dataDir.toString());
            g.writeArrayFieldStart("datasets");
            for (DatasetStatus s : all) {
                g.writeStartObject();
                g.writeStringField("name", s.name());
                if (s.current().isPresent()) {
                    g.writeNumberField("current", s.current().getAsLong());
                    g.writeNumberField("files", s.files());
                    g.writeNumberField("bytes", s.bytes());
                    g.writeStringField("created", Instant.ofEpochMilli(s.createdMillis()).toString());
                    g.writeBooleanField("signed", s.signed());
                } else {
                    g.writeNullField("current");
                }
                if (s.held().isPresent()) {
                    g.writeNumberField("held", s.held().getAsLong());
                } else {
                    g.writeNullField("held");
                }
                g.writeArrayFieldStart("releases");
                for (Release r : s.releases()) {
                    g.writeStartObject();
                    g.writeNumberField("version", r.version());
                    g.writeNumberField("bytes", r.bytes());
                    g.writeBooleanField("signed", r.signed());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("staging");
                for (String st : s.staging()) {
                    g.writeString(st);
                }
                g.writeEndArray();
                if (s.unswitched().isPresent()) {
                    g.writeNumberField("unswitched", s.unswitched().getAsLong());
                } else {
                    g.writeNullField("unswitched");
                }
                g.writeNumberField("spare_bytes", s.spareBytes());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
