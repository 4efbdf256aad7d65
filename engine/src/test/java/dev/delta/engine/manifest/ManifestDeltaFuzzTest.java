package dev.delta.engine.manifest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link ManifestDelta#applyEncoded} against a fixed base. The harness writes the base's
 * version and root digest into the input and makes its checksum match, so that mutations reach
 * the partial manifest and the patch section instead of stopping at the checksum. Properties:
 * nothing but {@link ManifestFormatException} escapes, and whatever applies has the root digest
 * the delta announced. A plain test run replays the seeds under
 * {@code ManifestDeltaFuzzTestInputs/apply_arbitraryBytes/}; {@code JAZZER_FUZZ=1} fuzzes for real.
 * The seeds are deltas from {@link #BASE}: run with {@code -Ddelta.regenerateGolden=true} to
 * rewrite them after a deliberate change of the format or of the base.
 */
class ManifestDeltaFuzzTest {
    private static final ManifestLimits SMALL = new ManifestLimits(1_000, 2_000, 4_000, 512, 256 * 1024);
    private static final ManifestCodec CODEC = new ManifestCodec();
    static final Path SEEDS = Paths.get(
            "src/test/resources/dev/delta/engine/manifest/ManifestDeltaFuzzTestInputs/apply_arbitraryBytes");

    static final Manifest BASE = base();
    private static final byte[] BASE_ROOT = CODEC.rootDigest(BASE);

    private static Manifest base() {
        Random r = new Random(2026);
        List<Entry> es = new ArrayList<>();
        es.add(file(r, "a", chunks(r, 120)));
        es.add(file(r, "b", chunks(r, 12)));
        es.add(file(r, "c", chunks(r, 2)));
        es.add(Entry.dir("d", 0755, 1));
        es.add(Entry.symlink("l", "a", 2));
        return new Manifest("fz", 1, 0, 0, ChunkerParams.DEFAULT, es);
    }

    private static ChunkList chunks(Random r, int n) {
        ChunkList.Builder b = ChunkList.builder(n);
        for (int i = 0; i < n; i++) {
            b.add(1 + r.nextInt(70_000), r.nextLong(), r.nextLong());
        }
        return b.build();
    }

    private static Entry file(Random r, String path, ChunkList c) {
        byte[] sha = new byte[32];
        r.nextBytes(sha);
        return Entry.file(path, 0644, r.nextLong(), c.totalLength(), sha, c);
    }

    @FuzzTest
    void apply_arbitraryBytes(byte[] data) throws IOException {
        byte[] d = data.clone();
        if (d.length >= 78) {
            ByteBuffer.wrap(d).putLong(6, BASE.version()).put(14, BASE_ROOT);
        }
        if (d.length >= 4) {
            CRC32C crc = new CRC32C();
            crc.update(d, 0, d.length - 4);
            ByteBuffer.wrap(d).putInt(d.length - 4, (int) crc.getValue());
        }
        ManifestDelta.Applied a;
        try {
            a = ManifestDelta.applyEncoded(BASE, BASE_ROOT, d, SMALL);
        } catch (ManifestFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "rejection without a message");
            return;
        }
        assertArrayEquals(Arrays.copyOfRange(d, 46, 78), a.rootDigest(), "applied, but not to the announced root");
        assertArrayEquals(CODEC.encode(a.manifest()), a.encoded());
    }

    /** The seed deltas: named after what they hold. */
    static Map<String, byte[]> seeds() {
        Random r = new Random(7);
        Map<String, byte[]> m = new LinkedHashMap<>();
        List<Entry> es = new ArrayList<>(BASE.entries());
        es.set(0, file(r, "a", ManifestDeltaPatchTest.edit(r, BASE.get("a").chunks(), 4)));
        es.set(1, Entry.file("b", 0600, 5, BASE.get("b").size(), BASE.get("b").sha256(), BASE.get("b").chunks()));
        es.set(2, file(r, "c", chunks(r, 3)));
        Manifest edited = new Manifest("fz", 2, 1, 0, ChunkerParams.DEFAULT, es);
        m.put("valid-edited-files", ManifestDelta.encode(BASE, edited));
        m.put("valid-format1", ManifestDelta.encode(BASE, BASE_ROOT, edited, CODEC.rootDigest(edited),
                ManifestDelta.FORMAT_PLAIN));
        m.put("valid-empty", ManifestDelta.encode(BASE, BASE.withVersion(3, 1, 9)));
        List<Entry> retyped = new ArrayList<>();
        retyped.add(Entry.dir("a", 0700, 3));
        retyped.add(BASE.get("b"));
        retyped.add(file(r, "d", chunks(r, 4)));
        retyped.add(file(r, "new", chunks(r, 2)));
        m.put("valid-retyped-added-deleted", ManifestDelta.encode(BASE,
                new Manifest("fz", 4, 1, 0, ChunkerParams.DEFAULT, retyped)));
        byte[] cut = m.get("valid-edited-files");
        m.put("truncated-patch-section", Arrays.copyOf(cut, cut.length - 30));
        return m;
    }

    @Test
    void seeds_areCommittedAndTheValidOnesApply() throws IOException {
        Map<String, byte[]> seeds = seeds();
        if (Boolean.getBoolean("delta.regenerateGolden")) {
            Files.createDirectories(SEEDS);
            for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
                Files.write(SEEDS.resolve(e.getKey()), e.getValue());
            }
        }
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(SEEDS.resolve(e.getKey())),
                    e.getKey() + " is stale: regenerate with -Ddelta.regenerateGolden=true");
            if (e.getKey().startsWith("valid-")) {
                ManifestDelta.Applied a = ManifestDelta.applyEncoded(BASE, BASE_ROOT, e.getValue(), SMALL);
                assertEquals(ByteBuffer.wrap(e.getValue(), 46, 32), ByteBuffer.wrap(a.rootDigest()), e.getKey());
            }
        }
    }
}
