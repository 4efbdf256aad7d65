package dev.delta.node.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The edge reuses its per-range and per-window buffers; what it hands on is still exactly the bytes asked for. */
class BufferReuseTest {
    @TempDir
    Path tmp;

    @Test
    void rangeBuffer_isExactlyTheRangeLong_andASpareLargeEnoughIsReused() {
        Syncer.SpareBuffers spare = new Syncer.SpareBuffers(Syncer.BUFFERED_KIB);
        ByteBuffer a = spare.take(5000);
        assertEquals(0, a.position());
        assertEquals(5000, a.limit());
        a.put(new byte[5000]).flip();
        spare.give(a);
        ByteBuffer b = spare.take(3000);
        assertSame(a, b, "a spare buffer large enough is taken");
        assertEquals(0, b.position());
        assertEquals(3000, b.remaining());
        spare.give(b);
        ByteBuffer c = spare.take(Syncer.MIN_RANGE_BUFFER + 1);
        assertEquals(Syncer.MIN_RANGE_BUFFER + 1, c.remaining(), "a range longer than any spare gets a new buffer");
        assertEquals(Syncer.MIN_RANGE_BUFFER / 1024, Syncer.kib(a), "held ranges count by their buffers' KiB");
        assertEquals(Syncer.MIN_RANGE_BUFFER / 1024 * 3 / 2, Syncer.kib(c), "the next size class: 1.5 times");
        assertEquals(1, Syncer.kib(ByteBuffer.allocate(1)));
    }

    /** Range buffers are direct (never copied by a young collection); what the pool drops or holds at its close is freed. */
    @Test
    void rangeBuffers_areDirect_andFreedWhenDroppedOrClosed() {
        assertTrue(DirectBuffers.freesNow(), "this JDK lets a direct buffer be freed explicitly");
        java.lang.management.BufferPoolMXBean direct = java.lang.management.ManagementFactory
                .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        Syncer.SpareBuffers spare = new Syncer.SpareBuffers(1024); // 1 MiB
        long before = direct.getTotalCapacity();
        java.util.List<ByteBuffer> taken = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ByteBuffer b = spare.take(10_000);
            assertTrue(b.isDirect());
            taken.add(b);
        }
        long held = 100L * Syncer.MIN_RANGE_BUFFER;
        assertEquals(before + held, direct.getTotalCapacity(), "100 new buffers of 16 KiB");
        taken.forEach(spare::give);
        assertEquals(1024, spare.kib(), "64 kept within the budget");
        assertEquals(before + 64L * Syncer.MIN_RANGE_BUFFER, direct.getTotalCapacity(), "the other 36 freed at once");
        spare.close();
        assertEquals(0, spare.kib());
        assertEquals(before, direct.getTotalCapacity(), "the spares freed at the close");
        ByteBuffer late = spare.take(10_000); // a writer still at work when the round ended
        spare.give(late);
        assertEquals(0, spare.kib(), "given back after the close: freed, not kept");
        assertEquals(before, direct.getTotalCapacity());
        DirectBuffers.free(ByteBuffer.allocate(10)); // a heap buffer: nothing to do
        ByteBuffer owner = ByteBuffer.allocateDirect(4096);
        DirectBuffers.free(owner.duplicate()); // a view: its memory is the owner's, left alone
        owner.putLong(0, 42);
        assertEquals(42, owner.getLong(0));
    }

    @Test
    void sizeClasses_holdEachLength_withLessThanHalfToSpare() {
        Random rnd = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            int length = i < 100 ? i : 1 + rnd.nextInt(i % 2 == 0 ? 1 << 21 : 1 << 30);
            int capacity = Syncer.SpareBuffers.capacityFor(length);
            assertTrue(capacity >= length && capacity >= Syncer.MIN_RANGE_BUFFER, length + " -> " + capacity);
            if (length > Syncer.MIN_RANGE_BUFFER) {
                assertTrue(capacity < length + length / 2, length + " -> " + capacity);
            }
            assertEquals(capacity, Syncer.SpareBuffers.capacityFor(capacity), "a class's size is its own class");
            assertTrue(Syncer.SpareBuffers.classOf(capacity) >= 0);
        }
        assertEquals(-1, Syncer.SpareBuffers.classOf(Syncer.MIN_RANGE_BUFFER + 1), "not a class size");
        assertEquals(Syncer.SpareBuffers.classOf(1 << 20) + 1, Syncer.SpareBuffers.classOf(3 << 19));
    }

    /** What made a cold edge allocate: small files of every size, each its own range, between big files' ranges. */
    @Test
    void rangesOfMixedSizes_reuseTheirClassesBuffers() {
        Syncer.SpareBuffers spare = new Syncer.SpareBuffers(Syncer.SPARE_KIB);
        Random rnd = new Random(5);
        java.util.Set<ByteBuffer> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<ByteBuffer> writing = new java.util.ArrayDeque<>();
        int taken = 0;
        int writingKib = 0;
        for (int i = 0; i < 20_000; i++) {
            int length = rnd.nextInt(10) == 0 ? (int) Syncer.MAX_RANGE_BYTES : 1 + rnd.nextInt(200_000);
            ByteBuffer b = spare.take(length);
            assertEquals(length, b.remaining());
            seen.add(b);
            taken++;
            writing.add(b);
            writingKib += Syncer.kib(b);
            while (writingKib > Syncer.BUFFERED_KIB) { // writers finish in order, as far behind as the budget lets them
                ByteBuffer done = writing.poll();
                writingKib -= Syncer.kib(done);
                spare.give(done);
            }
            assertTrue(spare.kib() <= Syncer.SPARE_KIB);
        }
        assertTrue(seen.size() < taken / 50, seen.size() + " buffers allocated for " + taken + " ranges");
    }

    @Test
    void aFullBudget_dropsSparesOfOtherSizes_forTheOneGivenBack() {
        Syncer.SpareBuffers spare = new Syncer.SpareBuffers(1024); // 1 MiB
        java.util.List<ByteBuffer> small = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            small.add(spare.take(10_000));
        }
        small.forEach(spare::give);
        assertEquals(1024, spare.kib(), "64 spares of 16 KiB fill the budget");
        ByteBuffer big = spare.take((int) Syncer.MAX_RANGE_BYTES);
        spare.give(big);
        assertEquals(1024, spare.kib());
        assertSame(big, spare.take((int) Syncer.MAX_RANGE_BYTES), "the big one was kept, the small ones dropped");
        assertEquals(0, spare.kib());
    }

    @Test
    void spareBuffers_stayWithinTheirBudget_whenSmallRangesComeBeforeBigOnes() {
        // what a cold edge did with a tree's small files (as groups) first, then a big file
        Syncer.SpareBuffers spare = new Syncer.SpareBuffers(Syncer.SPARE_KIB);
        java.util.List<ByteBuffer> inUse = new java.util.ArrayList<>();
        for (int i = 0; i < Syncer.BUFFERED_KIB / (Syncer.MIN_RANGE_BUFFER / 1024); i++) {
            inUse.add(spare.take(9_000)); // as many small ranges as the writers' budget holds at once
        }
        inUse.forEach(spare::give);
        assertEquals(Syncer.BUFFERED_KIB, spare.kib());
        java.util.ArrayDeque<ByteBuffer> writing = new java.util.ArrayDeque<>();
        for (int i = 0; i < 3_000; i++) { // 1 MiB ranges, 32 held by the writers at a time
            writing.add(spare.take((int) Syncer.MAX_RANGE_BYTES));
            if (writing.size() == 32) {
                spare.give(writing.poll());
            }
            assertTrue(spare.kib() <= Syncer.SPARE_KIB, "spare buffers hold " + spare.kib() + " KiB");
        }
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

    /** A reader is made per request: a small file's window costs a buffer of its size, not a fixed 64 KiB. */
    @Test
    void referenceReader_sizesItsBufferToTheWindows() throws Exception {
        Files.createDirectories(tmp.resolve("v1"));
        Files.write(tmp.resolve("v1/small.txt"), new byte[200_000]);
        try (FileReferenceReader r = new FileReferenceReader(tmp.resolve("v1"), "small.txt")) {
            assertEquals(4096, r.read(0, 3_000).capacity(), "rounded up to 4 KiB");
            assertEquals(4096, r.read(10, 4_096).capacity(), "reused while windows fit");
            assertEquals(12_288, r.read(0, 9_000).capacity(), "grows to a window that does not fit");
            assertEquals(24_576, r.read(0, 13_000).capacity(), "or at least doubles, for a file of many windows");
        }
    }

    /** Windows are read into pooled direct memory, given back when the request's reader is closed. */
    @Test
    void referenceReader_givesItsPooledBufferBackWhenClosed() throws Exception {
        Files.createDirectories(tmp.resolve("v1"));
        Files.write(tmp.resolve("v1/f.bin"), new byte[50_000]);
        FileReferenceReader r = new FileReferenceReader(tmp.resolve("v1"), "f.bin");
        assertFalse(r.holdsBuffer(), "nothing before the first window");
        assertTrue(r.read(0, 10_000).isDirect());
        assertTrue(r.read(0, 40_000).isDirect(), "grown: the smaller one went back");
        assertTrue(r.holdsBuffer());
        r.close();
        assertFalse(r.holdsBuffer());
    }

    /** The readers of a sync add up what they read, and the time it took, for its debug log. */
    @Test
    void referenceReaders_countTheirWindows() throws Exception {
        Files.createDirectories(tmp.resolve("v1"));
        Files.write(tmp.resolve("v1/a.bin"), new byte[50_000]);
        FileReferenceReader.ReadTime time = new FileReferenceReader.ReadTime();
        try (FileReferenceReader a = new FileReferenceReader(tmp.resolve("v1"), "a.bin", time);
             FileReferenceReader gone = new FileReferenceReader(tmp.resolve("v1"), "missing.bin", time)) {
            a.read(0, 10_000);
            a.read(20_000, 5_000);
            gone.read(0, 700); // unreadable: still the window asked for
        }
        assertEquals(15_700, time.bytes.get());
        assertTrue(time.nanos.get() > 0);
    }
}
