package dev.delta.engine.chunk;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChunkListColumnsTest {
    @Test
    void columns_roundTrip_atAnOffset() {
        ChunkList l = ChunkList.builder().add(10, 1, 2).add(20, 3, 4).add(5, 5, 6).build();
        long[] a = new long[2 + 9];
        l.copyColumns(a, 2);
        assertEquals(10, a[2]);
        assertEquals(30, a[3]);
        assertEquals(35, a[4]);
        assertEquals(l, ChunkList.fromColumns(a, 2, 3, 35));
        assertSame(ChunkList.EMPTY, ChunkList.fromColumns(a, 0, 0, 0));
    }

    @Test
    void indexAt_findsTheChunkStartingAtAnOffset_andRejectsAnyOther() {
        ChunkList l = ChunkList.builder().add(10, 1, 2).add(20, 3, 4).add(5, 5, 6).build();
        assertEquals(0, l.indexAt(0));
        assertEquals(1, l.indexAt(10));
        assertEquals(2, l.indexAt(30));
        assertThrows(IllegalArgumentException.class, () -> l.indexAt(11));
        assertThrows(IllegalArgumentException.class, () -> l.indexAt(35), "the end is no chunk's start");
        assertThrows(IllegalArgumentException.class, () -> ChunkList.builder().build().indexAt(0));
    }

    @Test
    void unsoundColumns_areRejected() {
        long[] a = {10, 30, 35, 1, 3, 5, 2, 4, 6};
        assertNull(ChunkList.fromColumns(a, 0, 3, 36), "ends must add up to the size");
        assertNull(ChunkList.fromColumns(a, 0, 4, 35), "out of bounds");
        assertNull(ChunkList.fromColumns(a, 0, 0, 1), "an empty list covers nothing");
        long[] flat = {10, 10, 35, 1, 3, 5, 2, 4, 6};
        assertNull(ChunkList.fromColumns(flat, 0, 3, 35), "an empty chunk");
        long[] down = {10, 5, 35, 1, 3, 5, 2, 4, 6};
        assertNull(ChunkList.fromColumns(down, 0, 3, 35), "ends must rise");
        long[] zero = {0, 5, 35, 1, 3, 5, 2, 4, 6};
        assertNull(ChunkList.fromColumns(zero, 0, 3, 35));
        long[] huge = {1L << 40, 1, 1};
        assertNull(ChunkList.fromColumns(huge, 0, 1, 1L << 40), "a chunk longer than an int");
    }

    @Test
    void addRange_equalsAddingEachChunk() {
        java.util.Random r = new java.util.Random(4);
        ChunkList.Builder one = ChunkList.builder(1);
        for (int i = 0; i < 100; i++) {
            one.add(1 + r.nextInt(1000), r.nextLong(), r.nextLong());
        }
        ChunkList src = one.build();
        ChunkList.Builder ranges = ChunkList.builder(1).add(7, 8, 9);
        ChunkList.Builder each = ChunkList.builder(1).add(7, 8, 9);
        int[][] runs = {{0, 100}, {50, 3}, {99, 1}, {0, 0}, {10, 60}, {0, 1}};
        for (int[] run : runs) {
            ranges.addRange(src, run[0], run[1]);
            for (int i = run[0]; i < run[0] + run[1]; i++) {
                each.add(src.length(i), src.idHi(i), src.idLo(i));
            }
        }
        ChunkList a = ranges.build();
        assertEquals(each.build(), a);
        assertEquals(7 + src.totalLength() + (src.offset(53) - src.offset(50)) + src.length(99)
                + (src.offset(70) - src.offset(10)) + src.length(0), a.totalLength());
        assertThrows(IndexOutOfBoundsException.class, () -> ranges.addRange(src, 90, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> ranges.addRange(src, -1, 1));
    }
}
