package dev.delta.benchmarks;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic, seeded manifests of a chosen size for the manifest, diff, plan and index
 * benchmarks, built in memory without touching the disk.
 *
 * <p>A manifest holds {@value #DIRS} directories, each with an equal share of the files, named
 * {@code d000/f00000.bin}, in canonical order. Every file has the same number of chunks of
 * 4 to 28 KiB (about 16 KiB on average, like FastCDC's defaults) with random ids; file digests are
 * random too, since nothing here reads file content.
 */
public final class SyntheticManifests {
    /** Number of directories the files are spread over. */
    public static final int DIRS = 100;
    /** The dataset name of every synthetic manifest. */
    public static final String DATASET = "bench";

    private static final long BASE_MTIME_NANOS = 1_764_000_000_000_000_000L;
    private static final int MIN_CHUNK = 4 * 1024;
    private static final int CHUNK_SPREAD = 24 * 1024;

    private SyntheticManifests() {
    }

    /** Version 1 with {@code files} files of {@code chunksPerFile} chunks each. */
    public static Manifest generate(int files, int chunksPerFile, long seed) {
        if (files < DIRS || files % DIRS != 0 || chunksPerFile < 1) {
            throw new IllegalArgumentException("need a positive multiple of " + DIRS + " files and at least one chunk"
                    + " per file, got " + files + " files of " + chunksPerFile + " chunks");
        }
        SplittableRandom r = new SplittableRandom(seed);
        int perDir = files / DIRS;
        List<Entry> entries = new ArrayList<>(files + DIRS);
        for (int d = 0; d < DIRS; d++) {
            String dir = String.format("d%03d", d);
            entries.add(Entry.dir(dir, 0755, BASE_MTIME_NANOS));
            for (int f = 0; f < perDir; f++) {
                ChunkList.Builder chunks = ChunkList.builder(chunksPerFile);
                for (int c = 0; c < chunksPerFile; c++) {
                    chunks.add(MIN_CHUNK + r.nextInt(CHUNK_SPREAD), r.nextLong(), r.nextLong());
                }
                ChunkList list = chunks.build();
                String path = String.format("%s/f%05d.bin", dir, d * perDir + f);
                entries.add(Entry.file(path, 0644, BASE_MTIME_NANOS + entries.size(), list.totalLength(),
                        digest(r), list));
            }
        }
        return new Manifest(DATASET, 1, 0, BASE_MTIME_NANOS / 1_000_000, ChunkerParams.DEFAULT, entries);
    }

    /**
     * The next version of {@code m} in which {@code changedFiles} files (chosen by {@code seed})
     * were edited in place: a run of 1 to 4 chunks replaced by new ones of new lengths, a new
     * digest and mtime. The result is encoded and decoded, so it shares no object with {@code m},
     * as when the new manifest arrives from the network.
     */
    public static Manifest edit(Manifest m, int changedFiles, long seed) {
        List<Entry> entries = m.entries();
        List<Integer> fileIndexes = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).isFile()) {
                fileIndexes.add(i);
            }
        }
        if (changedFiles < 0 || changedFiles > fileIndexes.size()) {
            throw new IllegalArgumentException("cannot change " + changedFiles + " of " + fileIndexes.size() + " files");
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < changedFiles; i++) { // partial Fisher-Yates: the first changedFiles are the chosen ones
            int j = i + r.nextInt(fileIndexes.size() - i);
            Integer t = fileIndexes.get(i);
            fileIndexes.set(i, fileIndexes.get(j));
            fileIndexes.set(j, t);
        }
        List<Entry> next = new ArrayList<>(entries);
        for (int k = 0; k < changedFiles; k++) {
            int i = fileIndexes.get(k);
            next.set(i, editFile(entries.get(i), r));
        }
        Manifest edited = new Manifest(m.dataset(), m.version() + 1, m.version(), m.createdMillis() + 60_000,
                m.chunker(), next);
        ManifestCodec codec = new ManifestCodec();
        try {
            return codec.decode(codec.encode(edited));
        } catch (ManifestFormatException e) {
            throw new IllegalStateException("a freshly encoded manifest must decode", e);
        }
    }

    private static Entry editFile(Entry e, SplittableRandom r) {
        ChunkList old = e.chunks();
        int run = Math.min(old.size(), 1 + r.nextInt(4));
        int from = r.nextInt(old.size() - run + 1);
        ChunkList.Builder b = ChunkList.builder(old.size());
        for (int c = 0; c < old.size(); c++) {
            if (c >= from && c < from + run) {
                b.add(MIN_CHUNK + r.nextInt(CHUNK_SPREAD), r.nextLong(), r.nextLong());
            } else {
                b.add(old.length(c), old.idHi(c), old.idLo(c));
            }
        }
        ChunkList list = b.build();
        return Entry.file(e.path(), e.mode(), e.mtimeNanos() + 1_000_000_000L, list.totalLength(), digest(r), list);
    }

    private static byte[] digest(SplittableRandom r) {
        byte[] d = new byte[32];
        r.nextBytes(d);
        return d;
    }
}
