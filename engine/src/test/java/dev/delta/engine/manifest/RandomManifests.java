package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded generators of valid manifests, and a small fixed one, for codec, JSON and signing tests. */
final class RandomManifests {
    private static final String[] SEGMENTS = {
        "a", "b", "src", "docs", "index.html", "x.txt", "README", "naïve", "日本語", "emoji-😀", "a b", "-",
        "_", "z", "Ω", "file.tar.gz", "...", ".hidden", "a!", "a~", "ümlaut", "x".repeat(40), "é", "e\u0301",
    };
    private static final long[] MTIMES = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, 1_700_000_000_123_456_789L,
        -86_400_000_000_000L};

    private RandomManifests() {
    }

    /** A random but valid manifest: nested dirs, unicode, symlinks, empty and many-chunk files. */
    static Manifest random(long seed) {
        Random r = new Random(seed);
        long version = 1 + r.nextInt(1_000_000);
        long parent = r.nextInt(2) == 0 ? 0 : r.nextLong(version);
        long created = r.nextInt(4) == 0 ? r.nextLong() : 1_600_000_000_000L + r.nextInt(Integer.MAX_VALUE);
        ChunkerParams chunker = r.nextBoolean() ? ChunkerParams.DEFAULT : new ChunkerParams(256, 1024, 8192, 1);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int n = r.nextInt(seed % 10 == 0 ? 200 : 30);
        for (int i = 0; i < n; i++) {
            int depth = 1 + r.nextInt(4);
            StringBuilder path = new StringBuilder();
            for (int d = 0; d < depth; d++) {
                if (d > 0) {
                    String dir = path.toString();
                    if (!entries.containsKey(dir)) {
                        entries.put(dir, Entry.dir(dir, 0755 & ~r.nextInt(8), mtime(r)));
                    }
                    path.append('/');
                }
                path.append(SEGMENTS[r.nextInt(SEGMENTS.length)]);
            }
            String p = path.toString();
            if (entries.containsKey(p)) {
                continue;
            }
            int kind = r.nextInt(10);
            if (kind < 6) {
                entries.put(p, randomFile(r, p, kind == 0 ? 0 : kind == 1 ? 1 + r.nextInt(3000) : r.nextInt(6)));
            } else if (kind < 8) {
                String target = r.nextBoolean() ? "../" + SEGMENTS[r.nextInt(SEGMENTS.length)] : "/etc/passwd";
                entries.put(p, Entry.symlink(p, target, mtime(r)));
            } else {
                entries.put(p, Entry.dir(p, r.nextInt(07777 + 1), mtime(r)));
            }
        }
        return new Manifest("ds-" + seed, version, parent, created, chunker, new ArrayList<>(entries.values()));
    }

    static Entry randomFile(Random r, String path, int chunkCount) {
        ChunkList.Builder b = ChunkList.builder(chunkCount);
        for (int i = 0; i < chunkCount; i++) {
            int len = r.nextInt(8) == 0 ? Integer.MAX_VALUE - r.nextInt(3) : 1 + r.nextInt(70_000);
            b.add(len, r.nextLong(), r.nextLong());
        }
        byte[] sha = new byte[Sha256.BYTES];
        r.nextBytes(sha);
        return Entry.file(path, r.nextInt(07777 + 1), mtime(r), b.totalLength(), sha, b.build());
    }

    private static long mtime(Random r) {
        return r.nextInt(3) == 0 ? MTIMES[r.nextInt(MTIMES.length)] : r.nextLong();
    }

    /** The fixed manifest whose encoding is the committed golden file {@code small-v1.dm}. */
    static Manifest small() {
        byte[] a = "hello, delta\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = "second chunk of a.txt".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        ChunkList chunks = ChunkList.builder()
                .add(a.length, ChunkId.hash(a, 0, a.length))
                .add(b.length, ChunkId.hash(b, 0, b.length))
                .build();
        byte[] n = "naïve\n".getBytes(StandardCharsets.UTF_8);
        List<Entry> entries = List.of(
                Entry.symlink("latest", "docs/a.txt", 1_700_000_003_000_000_000L),
                Entry.file("docs/a.txt", 0644, 1_700_000_001_123_456_789L, all.length, Sha256.of(all), chunks),
                Entry.dir("docs", 0755, 1_700_000_000_000_000_000L),
                Entry.file("empty", 0600, -1L, 0, Sha256.of(new byte[0]), ChunkList.EMPTY),
                Entry.file("naïve.txt", 0444, 0L, n.length, Sha256.of(n),
                        ChunkList.builder().add(n.length, ChunkId.hash(n, 0, n.length)).build()));
        return new Manifest("site", 2, 1, 1_700_000_000_000L, ChunkerParams.DEFAULT, entries);
    }
}
