package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.node.config.ConfigException;
import dev.delta.node.config.NodeConfig;
import dev.delta.node.origin.PublishResult;
import dev.delta.node.origin.Publisher;
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

/** {@code delta publish}: make SOURCE_DIR the next version of a dataset on this origin. */
@Command(name = "publish",
        header = "Publish SOURCE_DIR as the next version of a dataset.",
        description = "Publish SOURCE_DIR as the next version of a dataset: scan it (incrementally), build "
                + "release vN+1 (unchanged files hard-linked from vN, new bytes copied and checked), sign "
                + "the manifest if a key is given, switch 'current', prune old releases. A running "
                + "'delta serve' announces it to its edges. Publishing an unchanged tree creates no "
                + "version.")
final class PublishCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SOURCE_DIR", description = "The tree to publish.")
    Path source;

    @Option(names = "--config", paramLabel = "FILE", description = "Node config file: data_dir, ignore, retention, signing_key, chunker.")
    Path configFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (overrides the config's data_dir).")
    Path data;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "Dataset name.")
    String dataset;

    @Option(names = "--key", paramLabel = "KEY", description = "Sign with this private key (public key: KEY with .key replaced by .pub).")
    Path key;

    @Option(names = "--unsigned", description = "Publish without a signature although the current release is signed "
            + "(refused otherwise: edges with a trusted_key refuse unsigned versions).")
    boolean unsigned;

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Ignore pattern (gitignore syntax); repeatable.")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--retention", paramLabel = "K", description = "Releases to keep (default: 5, or the config's).")
    Integer retention;

    @Mixin
    ChunkerOptions chunker;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws IOException, ConfigException {
        CommandLine cl = spec.commandLine();
        if (!Files.isDirectory(source)) {
            throw new CommandLine.ParameterException(cl, (Files.exists(source) ? "not a directory: " : "no such directory: ")
                    + source);
        }
        if (retention != null && retention < 1) {
            throw new CommandLine.ParameterException(cl, "--retention must keep at least 1 release, got " + retention);
        }
        NodeConfig cfg = configFile != null ? NodeConfig.load(configFile) : null;
        if (cfg != null && cfg.role() == NodeConfig.Role.EDGE) {
            throw new CommandLine.ParameterException(cl, configFile + " is an edge's config (role: edge): an edge "
                    + "takes its releases from its upstream; publish with the origin's config or --data");
        }
        Path dataDir = DataDirOption.resolve(cl, data, cfg);
        Publisher p;
        Skeleton skeleton = Skeleton.before(dataDir, dataset);
        boolean done = false;
        try {
            p = new Publisher(dataDir, dataset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        List<String> ignore = new ArrayList<>(cfg != null ? cfg.ignore() : List.of());
        ignore.addAll(excludes);
        p.ignore(ignore).retention(retention != null ? retention : cfg != null ? cfg.retention() : 5);
        boolean customChunker = chunker.min != null || chunker.avg != null || chunker.max != null || chunker.nc != null;
        p.chunker(customChunker || cfg == null ? chunker.params(cl, ChunkerParams.REPLICATION) : cfg.chunker());
        Path signing = key != null ? key : cfg != null && !unsigned ? cfg.signingKey() : null;
        if (unsigned && key != null) {
            throw new CommandLine.ParameterException(cl, "--unsigned and --key contradict each other; give one");
        }
        p.allowUnsigned(unsigned);
        if (signing != null) {
            p.signWith(Publisher.loadKeys(signing, ManifestSignCommand.defaultPub(signing)));
        }
        PublishResult r;
        try (ProgressBar bar = new ProgressBar("scanning", ProgressBar.wanted(quiet || json))) {
            p.progress((phase, fd, ft, bd, bt) -> bar.update(fd, ft, bd, bt));
            r = p.publish(source);
            done = true;
        } finally {
            if (!done) { // a refused first publish (a FIFO in the tree, say) leaves no empty dataset behind
                skeleton.removeIfLeftEmpty();
            }
        }
        PrintWriter out = cl.getOut();
        if (json) {
            try (JsonGenerator g = Json.generator(out)) {
                g.writeStartObject();
                g.writeStringField("dataset", dataset);
                g.writeNumberField("version", r.version());
                g.writeBooleanField("created", r.created());
                g.writeNumberField("files_added", r.diff().filesAdded());
                g.writeNumberField("files_updated", r.diff().filesUpdated());
                g.writeNumberField("files_deleted", r.diff().filesDeleted());
                g.writeNumberField("metadata_changes", r.count(ChangeAction.METADATA));
                g.writeNumberField("bytes_total", r.bytesTotal());
                g.writeNumberField("bytes_new", r.bytesNew());
                g.writeStringField("root_digest", r.rootDigest());
                g.writeBooleanField("signed", r.signed());
                g.writeBooleanField("signed_now", r.signedNow());
                g.writeNumberField("duration_ms", r.durationMs());
                g.writeEndObject();
            }
        } else if (!r.created()) {
            out.printf("%s unchanged: still v%d (no new version created)%s%n", dataset, r.version(),
                    r.signedNow() ? "; it was unsigned and is signed now" : "");
        } else {
            out.printf("published %s v%d: %d files added, %d updated, %d deleted, %d metadata changes; %s new of %s%s"
                            + " in %s%n", dataset, r.version(), r.diff().filesAdded(), r.diff().filesUpdated(),
                    r.diff().filesDeleted(), r.count(ChangeAction.METADATA), Units.bytes(r.bytesNew()),
                    Units.bytes(r.bytesTotal()),
                    r.signed() ? ", signed" : "", Units.millis(r.durationMs()));
            out.printf("root digest %s%n", r.rootDigest());
        }
        out.flush();
        return ExitCode.OK;
    }
}
