package dev.delta.node.cli;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.config.ConfigException;
import dev.delta.node.config.NodeConfig;
import dev.delta.node.origin.PublishResult;
import dev.delta.node.origin.Publisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** {@code delta rollback}: switch to a retained release at once, without the network. */
@Command(name = "rollback",
        header = "Point an edge at a retained release, or republish one (--origin).",
        description = {
                "On an edge: point 'current' at a retained release (default: the one before current) at "
                        + "once, with no network, and hold it there until 'delta rollback --release' (or a newer "
                        + "version, when the edge's config says \"follow\": true).",
                "With --origin: republish release N as the newest version, so edges follow (they hold N "
                        + "already: nothing crosses the wire)."})
final class RollbackCommand implements Callable<Integer> {
    /**
     * How long a rollback waits for the dataset's lock: a running edge holds it for a few seconds
     * after each sync (linking the mirror of the new release took 2.4-2.9 s at 80,000 files).
     */
    static final long LOCK_PATIENCE_MS = 60_000;

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Node config file (data_dir, signing_key, retention).")
    Path configFile;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (overrides the config's data_dir).")
    Path data;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "Dataset name.")
    String dataset;

    @Option(names = "--to", paramLabel = "N", description = "The release to go back to (default: the one before current).")
    Long to;

    @Option(names = "--release", description = "End a hold: switch back to the newest retained release and follow again.")
    boolean release;

    @Option(names = "--origin", description = "On the origin: republish release N as a new version for the edges.")
    boolean origin;

    @Option(names = "--key", paramLabel = "KEY", description = "With --origin: sign with this private key.")
    Path key;

    @Option(names = "--unsigned", description = "With --origin: republish without a signature although the current "
            + "release is signed (refused otherwise).")
    boolean unsigned;

    @Override
    public Integer call() throws IOException, ConfigException {
        CommandLine cl = spec.commandLine();
        NodeConfig cfg = configFile != null ? NodeConfig.load(configFile) : null;
        Path dataDir = DataDirOption.resolve(cl, data, cfg);
        if (release && (to != null || origin)) {
            throw new CommandLine.ParameterException(cl, "--release takes neither --to nor --origin");
        }
        if (origin && cfg != null && cfg.role() == NodeConfig.Role.EDGE) {
            throw new CommandLine.ParameterException(cl, configFile + " is an edge's config (role: edge): --origin "
                    + "republishes on the origin; on an edge, roll back without --origin");
        }
        if ((key != null || unsigned) && !origin) {
            throw new CommandLine.ParameterException(cl, (key != null ? "--key" : "--unsigned")
                    + " applies to --origin only (an edge's rollback publishes nothing)");
        }
        if (unsigned && key != null) {
            throw new CommandLine.ParameterException(cl, "--unsigned and --key contradict each other; give one");
        }
        if (to != null && to < 1) {
            throw new CommandLine.ParameterException(cl, "--to must be a version number (1 or more), got " + to);
        }
        DatasetStore store;
        try {
            Manifest.validateDataset(dataset);
            if (!Files.isDirectory(dataDir.resolve(dataset).resolve("releases"), LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("no releases of " + dataset + " in " + dataDir); // and nothing made there
            }
            store = DatasetStore.open(dataDir, dataset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        // A running edge prepares its next sync under the dataset's lock for a few seconds after
        // each one: the rollback waits for that rather than failing when it is needed most.
        try (DatasetStore.Lock lock = release || !origin ? store.lock(LOCK_PATIENCE_MS, () -> {
            err.printf("%s: busy (another delta process, such as a running node, is working on it); waiting up "
                    + "to %d s%n", dataset, LOCK_PATIENCE_MS / 1000);
            err.flush();
        }) : null) {
            // read under the lock: a sync that held it may have added a version or moved current
            List<Long> versions = store.versions();
            if (versions.isEmpty()) {
                throw new IOException("no releases of " + dataset + " in " + dataDir);
            }
            OptionalLong cur = store.current();
            OptionalLong heldBefore = store.heldAt();
            if (release) {
                if (heldBefore.isEmpty()) {
                    out.printf("%s: no rollback hold to release; current is %s%n", dataset,
                            cur.isPresent() ? "v" + cur.getAsLong() : "not set");
                    return ExitCode.OK;
                }
                long newest = versions.get(versions.size() - 1);
                store.releaseHold(); // first: a failed switch then leaves no hold on a release no longer live
                try {
                    store.switchTo(newest);
                } catch (IOException | RuntimeException e) {
                    restoreHold(store, heldBefore, e);
                    throw e;
                }
                out.printf("%s: hold released; current is v%d (newest retained)%n", dataset, newest);
                return ExitCode.OK;
            }
            long target = to != null ? to : previous(versions, cur);
            if (!versions.contains(target)) {
                throw new IOException(dataset + " v" + target + " is not retained here; retained: " + versions);
            }
            if (origin) {
                return republish(out, cfg, dataDir, target);
            }
            // The hold first: if it cannot be written, nothing has changed; if the switch then
            // fails, the hold goes back to what it was. Never a rolled-back current without its
            // hold, which the next sync would undo.
            store.hold(target);
            try {
                store.switchTo(target);
            } catch (IOException | RuntimeException e) {
                restoreHold(store, heldBefore, e);
                throw e;
            }
            out.printf("%s: current is now v%d (was v%s), held until 'delta rollback --release'%s%n", dataset,
                    target, cur.isPresent() ? cur.getAsLong() : "-", cfg != null && cfg.follow()
                            ? " or a newer version (the config says follow: true)" : "");
            return ExitCode.OK;
        }
    }

    /** The origin's rollback: release {@code target} published again as the newest version. */
    private int republish(PrintWriter out, NodeConfig cfg, Path dataDir, long target) throws IOException {
        Publisher p = new Publisher(dataDir, dataset).retention(cfg != null ? cfg.retention() : 5);
        Path signing = key != null ? key : cfg != null && !unsigned ? cfg.signingKey() : null;
        p.allowUnsigned(unsigned);
        if (signing != null) {
            p.signWith(Publisher.loadKeys(signing, ManifestSignCommand.defaultPub(signing)));
        }
        PublishResult r = p.republish(target);
        if (!r.created()) {
            out.printf("%s: v%d has the content of v%d already; no version created%s%n", dataset, r.version(), target,
                    r.signedNow() ? "; it was unsigned and is signed now" : "");
            return ExitCode.OK;
        }
        out.printf("%s: republished v%d as v%d%s; edges following this origin switch to it%n", dataset, target,
                r.version(), r.signed() ? " (signed)" : "");
        return ExitCode.OK;
    }

    /** Puts the hold back as it was before a rollback whose switch failed; a failure here is added to {@code e}. */
    private static void restoreHold(DatasetStore store, OptionalLong before, Exception e) {
        try {
            if (before.isPresent()) {
                store.hold(before.getAsLong());
            } else {
                store.releaseHold();
            }
        } catch (IOException | RuntimeException again) {
            e.addSuppressed(again);
        }
    }

    private static long previous(List<Long> versions, OptionalLong cur) throws IOException {
        long c = cur.isPresent() ? cur.getAsLong() : versions.get(versions.size() - 1);
        long best = -1;
        for (long v : versions) {
            if (v < c) {
                best = v;
            }
        }
        if (best < 0) {
            throw new IOException("no retained release older than v" + c + " to roll back to; give --to N");
        }
        return best;
    }
}
