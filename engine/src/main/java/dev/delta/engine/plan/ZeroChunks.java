package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.chunk.FastCdc;
import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.manifest.Entry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells chunks of zeros by their id, so that a plan leaves them as holes: the unused space of a
 * disk image, a preallocated database file, the padding of a model file.
 *
 * <p>The chunker cuts a run of zeros into chunks of one length (its hash over zeros settles after
 * 64 bytes, so every chunk that starts inside the run ends at the same distance), found here by
 * chunking zeros once per set of parameters: a chunk of that length is checked against the id of
 * that many zeros, one comparison for every other chunk. A run's last chunk is shorter (the run or
 * the file ends); its length is checked, hashing that many zeros once, only right after a chunk of
 * zeros, so that files without runs of zeros never pay for it.
 */
public final class ZeroChunks {
    /** The length a run of zeros is cut at, and the id of that many zeros, per chunker. */
    private record Run(int length, long hi, long lo) {
    }

    private static final Map<ChunkerParams, Run> RUNS = new ConcurrentHashMap<>();

    private final ChunkerParams params;
    private final Run run;
    /** Ids of other lengths of zeros, {hi, lo}, made as runs end. */
    private final Map<Integer, long[]> shorter = new HashMap<>();
    private boolean afterZeros;

    ZeroChunks(ChunkerParams params) {
        this.params = params;
        this.run = RUNS.computeIfAbsent(params, ZeroChunks::runOf);
    }

    private static Run runOf(ChunkerParams p) {
        byte[] zeros = new byte[p.max()];
        int length = new FastCdc(p).cut(zeros, 0, zeros.length);
        long[] id = new long[2];
        ChunkId.hashInto(zeros, 0, length, id); // {hi, lo}
        return new Run(length, id[0], id[1]);
    }

    /**
     * Whether the chunk with this id and length is all zeros. Call it for each chunk of a file in
     * order, and {@link #nextFile()} between files.
     */
    boolean is(long hi, long lo, int length) {
        boolean zero;
        if (length == run.length) {
            zero = hi == run.hi && lo == run.lo;
        } else if (afterZeros && length > 0 && length <= params.max()) {
            long[] id = shorter.computeIfAbsent(length, n -> {
                long[] out = new long[2];
                ChunkId.hashInto(new byte[n], 0, n, out); // {hi, lo}
                return out;
            });
            zero = hi == id[0] && lo == id[1];
        } else {
            zero = false;
        }
        afterZeros = zero;
        return zero;
    }

    /**
     * The stretches of a file that are not runs of zeros, as {offset, length} pairs in order, or
     * null when it has no chunk of zeros (then it is all data): what a copy of the file that keeps
     * its holes writes.
     */
    public static List<long[]> dataRuns(Entry file, ChunkerParams params) {
        ZeroChunks zeros = new ZeroChunks(params);
        ChunkList c = file.chunks();
        List<long[]> runs = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < c.size(); i++) {
            if (zeros.is(c.idHi(i), c.idLo(i), c.length(i))) {
                any = true;
                continue;
            }
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[0] + last[1] == c.offset(i)) {
                last[1] += c.length(i);
            } else {
                runs.add(new long[] {c.offset(i), c.length(i)});
            }
        }
        return any ? runs : null;
    }

    /** Starts another file: its first chunk is not after a run of zeros. */
    void nextFile() {
        afterZeros = false;
    }
}
