package dev.delta.node.release;

import dev.delta.node.origin.Publisher;
import dev.delta.protocol.server.RangeSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Range sources of a release: packed blocks first, the release file opened only when they do not cover a range. */
class ReleaseServiceRangeTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void smallPackedFile_isServedWithoutOpeningTheReleaseFile() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        String text = "a line of text that compresses well\n".repeat(400);
        Files.writeString(src.resolve("small.txt"), text);
        byte[] noise = new byte[20_000];
        new Random(7).nextBytes(noise);
        Files.write(src.resolve("noise.bin"), noise);
        Path data = tmp.resolve("data");
        new Publisher(data, "site").publish(src);
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of())) {
            try (RangeSource s = svc.openFile("site", 1, "small.txt")) {
                int len = s.pieceLength(0, 1 << 20);
                assertEquals(text.length(), len, "a small file is one block");
                assertNotNull(s.precompressed(0, len));
                assertFalse(((ReleaseService.ReleaseFile) s).fileOpened(), "served from the packed copy alone");
            }
            try (RangeSource s = svc.openFile("site", 1, "noise.bin")) {
                int len = s.pieceLength(0, 1 << 20);
                assertNull(s.precompressed(0, len), "noise does not shrink: no packed block");
                ByteBuffer b = ByteBuffer.allocate(len);
                assertEquals(len, s.read(0, b));
                assertTrue(((ReleaseService.ReleaseFile) s).fileOpened());
                assertEquals(ByteBuffer.wrap(noise, 0, len), b.flip());
            }
        }
    }

    /** Reads a source whole, in reads of at most {@code step} bytes. */
    private static byte[] readAll(RangeSource s, int step) throws Exception {
        ByteBuffer all = ByteBuffer.allocate((int) s.size());
        while (all.hasRemaining()) {
            ByteBuffer part = ByteBuffer.allocate(Math.min(step, all.remaining()));
            int n = s.read(all.position(), part);
            assertTrue(n > 0, "read at " + all.position());
            all.put(part.flip());
        }
        return all.array();
    }

    @Test
    void filesByPosition_areTheFilesOneAfterTheOther_aPreparedGroupAsItsBlock() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("d/a.txt"), "alpha beta gamma\n".repeat(300));
        Files.writeString(src.resolve("d/b.txt"), "");
        Files.writeString(src.resolve("d/c.txt"), "gamma delta\n".repeat(500));
        Files.writeString(src.resolve("d/e.txt"), "");
        byte[] big = new byte[9 << 20];
        new Random(3).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Path data = tmp.resolve("data");
        new Publisher(data, "site").publish(src);
        dev.delta.engine.manifest.Manifest m = dev.delta.engine.store.DatasetStore.open(data, "site").manifest(1);
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < m.entries().size(); i++) {
            at.put(m.entries().get(i).path(), i);
        }
        byte[] a = Files.readAllBytes(src.resolve("d/a.txt"));
        byte[] c = Files.readAllBytes(src.resolve("d/c.txt"));
        byte[] acWithEmpties = new byte[a.length + c.length];
        System.arraycopy(a, 0, acWithEmpties, 0, a.length);
        System.arraycopy(c, 0, acWithEmpties, a.length, c.length);
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of())) {
            // empty files at the start, between and at the end; reads that end at file boundaries or not
            int[] withEmpties = {at.get("d/b.txt"), at.get("d/a.txt"), at.get("d/e.txt"), at.get("d/c.txt"),
                    at.get("d/b.txt")};
            for (int step : new int[] {1, 7, 4096, 1 << 20}) {
                try (RangeSource s = svc.openFiles("site", 1, withEmpties)) {
                    assertEquals(acWithEmpties.length, s.size());
                    assertTrue(java.util.Arrays.equals(acWithEmpties, readAll(s, step)), "step " + step);
                    assertNull(s.precompressed(0, (int) s.size()), "no group was prepared for this list");
                }
            }
            // the group the publish prepared: a, b, c, e are its small files (empty ones are not grouped)
            int[] group = dev.delta.engine.plan.FileGroups.of(m).get(0);
            assertEquals(List.of(at.get("d/a.txt"), at.get("d/c.txt")), java.util.Arrays.stream(group).boxed().toList());
            try (RangeSource s = svc.openFiles("site", 1, group)) {
                int len = s.pieceLength(0, 1 << 17);
                assertEquals(acWithEmpties.length, len, "one piece: the group's block");
                ByteBuffer block = s.precompressed(0, len);
                assertNotNull(block);
                byte[] raw = new byte[len];
                net.jpountz.lz4.LZ4Factory.safeInstance().safeDecompressor().decompress(block, 0, block.remaining(),
                        ByteBuffer.wrap(raw), 0, len);
                assertTrue(java.util.Arrays.equals(acWithEmpties, raw));
            }
            assertRefused(svc, new int[] {at.get("d")}, dev.delta.protocol.wire.ErrorCode.NOT_FOUND);
            assertRefused(svc, new int[] {m.entries().size()}, dev.delta.protocol.wire.ErrorCode.NOT_FOUND);
            assertRefused(svc, new int[] {at.get("big.bin"), at.get("big.bin")},
                    dev.delta.protocol.wire.ErrorCode.LIMIT_EXCEEDED);
        }
    }

    private static void assertRefused(ReleaseService svc, int[] files, dev.delta.protocol.wire.ErrorCode code) {
        dev.delta.protocol.server.DatasetException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.delta.protocol.server.DatasetException.class, () -> svc.openFiles("site", 1, files));
        assertEquals(code, e.code(), e.getMessage());
    }
}
