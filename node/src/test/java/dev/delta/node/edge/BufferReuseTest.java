package dev.delta.node.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The edge reuses its per-range and per-window buffers; what it hands on is still exactly the bytes asked for. */
class BufferReuseTest {
    @TempDir
    Path tmp;

    @Test
    void rangeBuffer_isExactlyTheRangeLong_andASpareLargeEnoughIsReused() {
        ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
        ByteBuffer a = Syncer.rangeBuffer(spare, 5000);
        assertEquals(0, a.position());
        assertEquals(5000, a.limit());
        a.put(new byte[5000]).flip();
        spare.add(a);
        ByteBuffer b = Syncer.rangeBuffer(spare, 3000);
        assertSame(a, b, "a spare buffer large enough is taken");
        assertEquals(0, b.position());
        assertEquals(3000, b.remaining());
        spare.add(b);
        ByteBuffer c = Syncer.rangeBuffer(spare, Syncer.MIN_RANGE_BUFFER + 1);
        assertEquals(Syncer.MIN_RANGE_BUFFER + 1, c.remaining(), "a range longer than any spare gets a new buffer");
        assertEquals(Syncer.MIN_RANGE_BUFFER / 1024, Syncer.kib(a), "held ranges count by their buffers' KiB");
        assertEquals(Syncer.MIN_RANGE_BUFFER / 1024 + 1, Syncer.kib(c));
        assertEquals(1, Syncer.kib(ByteBuffer.allocate(1)));
    }

    @Test
    void referenceReader_givesEachWindowsBytes_throughOneBuffer() throws Exception {
        byte[] file = new byte[300_000];
        new Random(7).nextBytes(file);
        Files.createDirectories(tmp.resolve("v1"));
        Files.write(tmp.resolve("v1/f.bin"), file);
        try (FileReferenceReader r = new FileReferenceReader(tmp.resolve("v1"), "f.bin")) {
            int[][] windows = {{100, 20_000}, {5, 3}, {40_000, 200_000}, {299_990, 10}, {7, 70_000}};
            for (int[] w : windows) {
                ByteBuffer b = r.read(w[0], w[1]);
                assertEquals(0, b.position());
                assertEquals(w[1], b.remaining());
                byte[] got = new byte[w[1]];
                b.duplicate().get(got);
                assertEquals(-1, Arrays.mismatch(Arrays.copyOfRange(file, w[0], w[0] + w[1]), got), "window at " + w[0]);
            }
            ByteBuffer past = r.read(299_000, 5_000); // the copy is shorter than the window
            assertEquals(5_000, past.remaining(), "the right length, whatever the bytes past the end");
            byte[] head = new byte[1_000];
            past.duplicate().get(head);
            assertEquals(-1, Arrays.mismatch(Arrays.copyOfRange(file, 299_000, 300_000), head));
        }
    }
}
