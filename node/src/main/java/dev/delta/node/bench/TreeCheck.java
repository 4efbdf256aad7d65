package dev.delta.node.bench;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ManifestDiff;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Checks a receiver's tree against the expected one by scanning it and diffing the manifests. */
final class TreeCheck {
    private static final int SHOWN = 5;

    private TreeCheck() {
    }

    /** Scans {@code tree} into a manifest (default chunker, dataset {@code bench}). */
    static Manifest scan(Path tree) throws IOException {
        ScanResult r = new Scanner(ScanOptions.builder("bench").build()).scan(tree);
        if (!r.isComplete()) {
            throw new IOException("could not scan all of " + tree + ": " + r.problems());
        }
        return r.manifest();
    }

    /** {@link #scan}, with failures as unchecked exceptions (for lambdas). */
    static Manifest scanQuietly(Path tree) {
        try {
            return scan(tree);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What differs between {@code want} and {@code tree} (path, content hash, type, mode, mtime,
     * symlink target), as at most a few readable lines; empty when they are equal.
     */
    static List<String> differences(String who, Manifest want, Path tree) {
        List<String> out = new ArrayList<>();
        try {
            ScanResult r = new Scanner(ScanOptions.builder("bench").chunker(want.chunker()).build())
                    .scan(tree.toRealPath());
            r.problems().stream().limit(SHOWN).forEach(p -> out.add(who + ": cannot read " + p));
            List<PathChange> d = ManifestDiff.between(want, r.manifest()).changes();
            d.stream().limit(SHOWN).forEach(c -> out.add(who + ": " + describe(c)));
            if (d.size() > SHOWN) {
                out.add(who + ": ... " + (d.size() - SHOWN) + " more differences");
            }
        } catch (IOException e) {
            out.add(who + ": cannot scan " + tree + ": " + e.getMessage());
        }
        return out;
    }

    private static String describe(PathChange c) {
        switch (c.action()) {
            case ADD:
                return "unexpected " + c.path();
            case DELETE:
                return "missing " + c.path();
            default:
                return c.action().label() + " " + c.path();
        }
    }
}
