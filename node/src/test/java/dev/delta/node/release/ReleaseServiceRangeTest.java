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
}
