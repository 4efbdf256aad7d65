package dev.delta.node.edge;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.manifest.ManifestLimits;
import dev.delta.engine.plan.ChunkIndex;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.RangePlanner;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * An update rehearsed in memory, once, by a following node while it is idle: the current
 * release's manifest with one file in {@value #EVERY} edited is encoded as a delta, rebuilt from
 * it as an update's manifest is, and planned against an index of the current release's chunks.
 *
 * <p>Why: the code an update runs per entry (the rebuild of an 80,000-entry manifest, the diff,
 * the plan) runs once per update, so in a node's first update after it started it ran in the
 * interpreter while the JIT compiled it, on the update's critical path: the spec-scale source
 * tree's first update rebuilt its manifest in 450-830 ms, later ones in 180-335 ms. The rehearsal
 * runs the same methods on data of the same shape while nothing is waiting, so the first real
 * update finds them compiled.
 *
 * <p>It touches nothing but the heap: no file, no connection, no index or manifest a sync uses
 * (the plan adds the target's chunks to the index it is given, so it gets one of its own).
 */
final class Rehearsal {
    /** One file in this many is edited: a 2% release, the kind of update the node expects. */
    static final int EVERY = 50;

    /** What the rehearsed update would have done. */
    record Result(int filesEdited, int filesPlanned, long bytesToFetch) {
    }

    private Rehearsal() {
    }

    /**
     * Rehearses an update from {@code current} (whose canonical encoding is {@code encoded} and
     * root digest {@code root}).
     *
     * @param abort checked between the steps: true gives up (a real update has arrived)
     * @return what the plan found, or null if there was nothing to edit or it gave up
     * @throws ManifestFormatException if the delta does not rebuild the edited manifest (a bug)
     */
    static Result run(Manifest current, byte[] encoded, byte[] root, long maxRangeBytes, BooleanSupplier abort)
            throws ManifestFormatException {
        List<Entry> entries = current.entries();
        List<Entry> next = new ArrayList<>(entries);
        SplittableRandom random = new SplittableRandom(entries.size());
        int files = 0;
        int edited = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.isFile() && !e.chunks().isEmpty() && files++ % EVERY == 0) {
                next.set(i, edit(e, random));
                edited++;
            }
        }
        if (edited == 0 || abort.getAsBoolean()) {
            return null;
        }
        ManifestCodec codec = new ManifestCodec();
        Manifest target = new Manifest(current.dataset(), current.version() + 1, current.version(),
                current.createdMillis() + 1, current.chunker(), next);
        byte[] delta = ManifestDelta.encode(current, root, target, ManifestCodec.rootDigest(codec.encode(target)));
        if (abort.getAsBoolean()) {
            return null;
        }
        ManifestDelta.Applied applied = ManifestDelta.applyEncoded(current, encoded, root, delta,
                ManifestLimits.DEFAULT);
        if (applied.manifest().entries().size() != entries.size() || abort.getAsBoolean()) {
            return null;
        }
        RangePlan plan = new RangePlanner(maxRangeBytes).plan(current, ChunkIndex.of(current), applied.manifest());
        return new Result(edited, plan.files().size(), plan.bytesToFetch());
    }

    /** The entry with its middle chunk replaced by one of the same length that no release holds. */
    private static Entry edit(Entry e, SplittableRandom random) {
        ChunkList old = e.chunks();
        int at = old.size() / 2;
        ChunkList.Builder b = ChunkList.builder(old.size());
        b.addRange(old, 0, at);
        b.add(old.length(at), random.nextLong(), random.nextLong());
        b.addRange(old, at + 1, old.size() - at - 1);
        byte[] sha = e.sha256().clone();
        sha[0] ^= 1;
        return Entry.file(e.path(), e.mode(), e.mtimeNanos() + 1_000_000_000L, e.size(), sha, b.build());
    }
}
