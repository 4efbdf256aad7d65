package dev.delta.node.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.plan.RangePlan;
import dev.delta.node.config.ConfigException;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.config.NodeConfig;
import dev.delta.node.edge.SyncResult;
import dev.delta.node.edge.Syncer;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code delta sync}: bring one dataset to the upstream's version, once, without a running node. */
@Command(name = "sync",
        header = "Bring a dataset to the upstream's current version.",
        description = "Bring a dataset in DIR to the upstream's current version (or --version N): fetch the "
                + "manifest (a delta against the version held here), copy every chunk already on this node, "
                + "fetch the rest as verified ranges, check each file's SHA-256, then switch 'current' "
                + "atomically. Interrupted, it resumes where it stopped. --dry-run prints the plan and "
                + "changes nothing.")
final class SyncCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Mixin
    UpstreamOptions upstream;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "Dataset name.")
    String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: the config's data_dir).")
    Path data;

    @Option(names = "--version", paramLabel = "N", defaultValue = "0", description = "Version to sync to (default: the upstream's current).")
    long version;

    @Option(names = "--retention", paramLabel = "K", description = "Releases to keep (default: 5, or the config's).")
    Integer retention;

    @Option(names = "--dry-run", description = "Print the plan (per-file actions, bytes to fetch) and change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print one JSON object with the result.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--prepare-next", description = "After the switch, link a mirror of the new release for the "
            + "next sync, which then touches only the paths that change (for syncs run again and again, as from cron), "
            + "and, when the release has a file of 64 MiB or more, write a spare file the next update of it is written "
            + "over. The new version is live before this starts; a running 'delta serve' edge does it by itself when "
            + "idle.")
    boolean prepareNext;

    @Option(names = "--follow", negatable = true, description = "A newer version ends a rollback hold here and goes "
            + "live (default: the config's \"follow\", else no: a held edge stores the new version and stays on the "
            + "held one until 'delta rollback --release').")
    Boolean follow;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "" + Syncer.DEFAULT_CONNECTIONS,
            description = "Connections a big fetch is spread over (default: ${DEFAULT-VALUE}); the upstream serves "
                    + "each on one of its cores.")
    int connections;

    @Override
    public Integer call() throws IOException, ConfigException, DeltaException {
        CommandLine cl = spec.commandLine();
        NodeConfig cfg = upstream.config();
        Path dataDir = DataDirOption.resolve(cl, data, cfg);
        try {
            dev.delta.engine.manifest.Manifest.validateDataset(dataset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage()); // a usage error, as in publish
        }
        if (version < 0) {
            throw new CommandLine.ParameterException(cl, "--version must be 1 or more (0 = latest)");
        }
        if (retention != null && retention < 1) { // before anything changes
            throw new CommandLine.ParameterException(cl, "--retention must keep at least 1 release, got " + retention);
        }
        if (connections < 1 || connections > 16) {
            throw new CommandLine.ParameterException(cl, "--connections must be between 1 and 16");
        }
        ClientConfig clientConfig = upstream.clientConfig(cl, cfg);
        Skeleton skeleton = Skeleton.before(dataDir, dataset);
        boolean done = false;
        try (DeltaClient client = DeltaClient.connect(clientConfig)) {
            Syncer s = new Syncer(client, dataDir).retention(retention != null ? retention : cfg != null
                    ? cfg.retention() : 5).connections(connections, () -> DeltaClient.connect(clientConfig))
                    .follow(follow != null ? follow : cfg != null && cfg.follow());
            Path trusted = upstream.trusted(cfg);
            if (trusted != null) {
                s.trust(trusted);
            }
            PrintWriter out = cl.getOut();
            if (dryRun) {
                Syncer.Preview pv = s.preview(dataset, version);
                print(out, pv.result(), pv.plan(), interrupted(dataDir, dataset, pv.result().version()));
                return ExitCode.OK; // and, below, nothing left: not even a new dataset's skeleton
            }
            SyncResult r;
            try (ProgressBar bar = new ProgressBar("syncing", ProgressBar.wanted(quiet || json))) {
                s.progress(bytes -> bar.update(0, 0, bytes, Math.max(bytes, 1)));
                r = s.sync(dataset, version);
            }
            print(out, r, null, false);
            if (prepareNext && r.version() > 0) {
                if (!quiet && !json) {
                    cl.getErr().println("preparing the next sync: linking a mirror of v" + r.version() + "...");
                }
                s.prepareMirror(dataset, () -> false);
                s.prepareSpare(dataset, () -> false);
            }
            done = true;
            return ExitCode.OK;
        } finally {
            if (!done) { // a failed sync (or a dry run) leaves no directories it made for nothing
                skeleton.removeIfLeftEmpty();
            }
        }
    }

    /** Whether the dataset's staging holds an interrupted sync to {@code version}. */
    private static boolean interrupted(Path dataDir, String dataset, long version) {
        return DatasetStore.staging(dataDir, dataset).stream().anyMatch(n -> n.startsWith("v" + version + "-"));
    }

    /** Prints a result, or with {@code plan} a dry run's ({@code resumable}: staging holds part of it). */
    private void print(PrintWriter out, SyncResult r, RangePlan plan, boolean resumable) throws IOException {
        if (json) {
            try (JsonGenerator g = Json.generator(out)) {
                g.writeStartObject();
                g.writeStringField("dataset", dataset);
                g.writeNumberField("version", r.version());
                g.writeNumberField("previous_version", r.previous());
                g.writeBooleanField("up_to_date", r.upToDate());
                g.writeBooleanField("dry_run", dryRun);
                g.writeBooleanField("switched", r.switched());
                g.writeBooleanField("already_stored", r.alreadyStored());
                g.writeNumberField("files_added", r.filesAdded());
                g.writeNumberField("files_updated", r.filesUpdated());
                g.writeNumberField("files_deleted", r.filesDeleted());
                g.writeNumberField("bytes_total", r.bytesTotal());
                g.writeNumberField("bytes_reused_local", r.bytesReusedLocal());
                g.writeNumberField(dryRun ? "bytes_to_fetch" : "bytes_fetched", r.bytesFetched());
                g.writeNumberField("bytes_resumed", r.bytesResumed());
                g.writeNumberField("manifest_bytes", r.manifestBytes());
                g.writeNumberField("wire_bytes_received", r.wireReceived());
                g.writeNumberField("wire_bytes_sent", r.wireSent());
                g.writeNumberField("duration_ms", r.durationMs());
                if (plan != null) {
                    g.writeBooleanField("interrupted_sync_in_staging", resumable);
                    g.writeArrayFieldStart("changes");
                    Map<String, FilePlan> fp = new HashMap<>();
                    plan.files().forEach(f -> fp.put(f.path(), f));
                    for (PathChange c : plan.diff().changes()) {
                        g.writeStartObject();
                        g.writeStringField("path", c.path());
                        g.writeStringField("action", c.action().label());
                        Entry e = c.effective();
                        if (e.isFile()) {
                            g.writeStringField("hash", e.sha256Hex());
                        }
                        FilePlan f = fp.get(c.path());
                        if (f != null) {
                            g.writeNumberField("bytes_to_fetch", f.bytes(dev.delta.engine.plan.Segment.Kind.FETCH));
                            g.writeNumberField("bytes_zero", f.bytes(dev.delta.engine.plan.Segment.Kind.ZERO));
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            return;
        }
        if (plan != null) {
            Map<String, FilePlan> fp = new HashMap<>();
            plan.files().forEach(f -> fp.put(f.path(), f));
            for (PathChange c : plan.diff().changes()) {
                FilePlan f = fp.get(c.path());
                long zeros = f == null ? 0 : f.bytes(dev.delta.engine.plan.Segment.Kind.ZERO);
                out.printf("%-12s %s%s%n", c.action().label(), c.path(), f == null ? ""
                        : "  (fetch " + Units.bytes(f.bytes(dev.delta.engine.plan.Segment.Kind.FETCH))
                        + (zeros == 0 ? "" : ", " + Units.bytes(zeros) + " of zeros left as holes") + ")");
            }
            out.printf("dry run: v%d -> v%d would fetch %s and reuse %s locally (%s); nothing changed%n", r.previous(),
                    r.version(), Units.bytes(r.bytesFetched()), Units.bytes(r.bytesReusedLocal()),
                    Units.bytes(r.bytesTotal()));
            if (resumable) {
                out.printf("staging holds an interrupted sync of v%d: the sync keeps the chunks it verified there, "
                        + "so it fetches at most that much%n", r.version());
            }
        } else if (r.alreadyStored()) {
            out.printf("%s v%d is already stored here; current stays at v%d, held by a rollback ('delta rollback "
                    + "--release' ends the hold)%n", dataset, r.version(), r.previous());
        } else if (r.upToDate()) {
            out.printf("%s is up to date at v%d (%s on the wire)%n", dataset, r.version(),
                    Units.bytes(r.wireReceived() + r.wireSent()));
        } else {
            out.printf("%s v%d -> v%d: %d files added, %d updated, %d deleted%n", dataset, r.previous(), r.version(),
                    r.filesAdded(), r.filesUpdated(), r.filesDeleted());
            out.printf("fetched %s, reused %s locally, dataset %s; wire %s in / %s out; %s%s%n",
                    Units.bytes(r.bytesFetched()), Units.bytes(r.bytesReusedLocal()), Units.bytes(r.bytesTotal()),
                    Units.bytes(r.wireReceived()), Units.bytes(r.wireSent()), Units.millis(r.durationMs()),
                    r.switched() ? "" : " (stored; current is held by a rollback)");
        }
        out.flush();
    }
}
