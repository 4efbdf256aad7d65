package dev.delta.node.release;

import dev.delta.protocol.server.StoredPatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stored patches of an update: written once, found by content and piece, and never trusted when damaged. */
class PatchPackTest {
    @TempDir
    Path tmp;

    private static byte[] sha(int seed) {
        byte[] b = new byte[32];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] content(int seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] bytes(StoredPatch p) {
        ByteBuffer b = p.content().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private Path writeThree() throws IOException {
        Path f = tmp.resolve("v2.from-v1.rpp");
        try (PatchPack.Writer w = new PatchPack.Writer(f)) {
            w.add(sha(1), sha(2), 0, 131072, 0, 4096, true, content(1, 300));
            w.add(sha(1), sha(2), 131072, 1000, 5000, 70000, false, content(2, 40));
            w.add(sha(3), sha(2), 0, 500, 0, 600, false, content(3, 12));
            w.add(sha(3), sha(2), 0, 500, 0, 600, false, content(9, 99)); // the same piece again: ignored
            assertEquals(3, w.count());
            assertEquals(352, w.dataBytes());
            w.finish();
        }
        return f;
    }

    @Test
    void roundTrip_findsEachPieceByContentPieceAndWindow_andNothingElse() throws IOException {
        Path f = writeThree();
        assertFalse(Files.exists(tmp.resolve("v2.from-v1.rpp.data.tmp")), "no temporary file left");
        try (PatchPack p = PatchPack.open(f)) {
            assertEquals(3, p.size());
            StoredPatch a = p.find(sha(1), sha(2), 0, 131072, 0, 4096);
            assertTrue(a.compressed());
            assertArrayEquals(content(1, 300), bytes(a));
            StoredPatch b = p.find(sha(1), sha(2), 131072, 1000, 5000, 70000);
            assertFalse(b.compressed());
            assertArrayEquals(content(2, 40), bytes(b));
            assertArrayEquals(content(3, 12), bytes(p.find(sha(3), sha(2), 0, 500, 0, 600)), "the first one added");
            assertNull(p.find(sha(1), sha(2), 0, 131072, 0, 4097), "another window");
            assertNull(p.find(sha(1), sha(2), 0, 131071, 0, 4096), "another piece length");
            assertNull(p.find(sha(1), sha(4), 0, 131072, 0, 4096), "another reference file");
            assertNull(p.find(sha(5), sha(2), 0, 131072, 0, 4096), "another target file");
        }
    }

    @Test
    void noFile_isNoPack() throws IOException {
        assertNull(PatchPack.open(tmp.resolve("v9.from-v8.rpp")));
    }

    @Test
    void aDamagedContent_isNotServed_theOthersAre() throws IOException {
        Path f = writeThree();
        long size = Files.size(f);
        flip(f, size - 352 + 310); // inside the second content (the data section starts after the index)
        try (PatchPack p = PatchPack.open(f)) {
            assertNotNull(p.find(sha(1), sha(2), 0, 131072, 0, 4096));
            assertNull(p.find(sha(1), sha(2), 131072, 1000, 5000, 70000), "fails its checksum");
            assertNotNull(p.find(sha(3), sha(2), 0, 500, 0, 600));
        }
    }

    @Test
    void aDamagedIndexOrHeader_makesThePackUnusable() throws IOException {
        Path f = writeThree();
        flip(f, PatchPack.HEADER_BYTES + PatchPack.ENTRY_BYTES + 33); // the second entry's piece offset
        IOException e = assertThrows(IOException.class, () -> PatchPack.open(f));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());

        Path g = writeThree();
        flip(g, 0);
        assertThrows(IOException.class, () -> PatchPack.open(g));

        Path h = writeThree();
        try (FileChannel ch = FileChannel.open(h, StandardOpenOption.WRITE)) {
            ch.truncate(PatchPack.HEADER_BYTES + 10); // cut inside the index
        }
        assertThrows(IOException.class, () -> PatchPack.open(h));
    }

    private static void flip(Path f, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, at);
        }
    }
}
