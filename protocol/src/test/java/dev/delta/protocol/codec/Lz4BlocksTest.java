package dev.delta.protocol.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DATA block reaches the decompressor as it came off the socket: in one buffer, or as a view
 * across several reads (the frame decoder's composite cumulation). Either way it expands to the
 * same bytes, and whatever the decompressor joins the pieces in is given back.
 */
class Lz4BlocksTest {
    /** Counts the direct memory it hands out and gets back. */
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, true);

    private static byte[] compressible(Random rnd, int n) {
        byte[] raw = new byte[n];
        String words = "alpha beta gamma delta epsilon zeta eta theta ";
        for (int i = 0; i < n; i++) {
            raw[i] = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : (byte) words.charAt(i % words.length());
        }
        return raw;
    }

    private ByteBuf compress(byte[] raw) {
        ByteBuf block = Lz4Blocks.compressIfSmaller(alloc, Unpooled.wrappedBuffer(raw));
        assertTrue(block != null && block.readableBytes() < raw.length, "the sample compresses");
        return block;
    }

    /** The block cut into {@code pieces} heap buffers at seeded points, as socket reads would. */
    private static CompositeByteBuf pieces(ByteBuf block, int pieces, Random rnd) {
        byte[] all = new byte[block.readableBytes()];
        block.getBytes(block.readerIndex(), all);
        int[] cuts = new int[pieces + 1];
        cuts[pieces] = all.length;
        for (int i = 1; i < pieces; i++) {
            cuts[i] = 1 + rnd.nextInt(all.length - 1);
        }
        Arrays.sort(cuts);
        CompositeByteBuf c = Unpooled.compositeBuffer(pieces + 1);
        c.addComponent(true, Unpooled.wrappedBuffer(new byte[] {9, 9, 9})); // before the block: a frame header
        for (int i = 0; i < pieces; i++) {
            c.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(all, cuts[i], cuts[i + 1])));
        }
        c.skipBytes(3);
        return c;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void aBlockAcrossSeveralReads_expandsToTheSameBytes_andGivesBackWhatItJoinedItIn(long seed) {
        Random rnd = new Random(seed);
        byte[] raw = compressible(rnd, 1 + rnd.nextInt(300_000));
        ByteBuf block = compress(raw);
        CompositeByteBuf split = pieces(block, 2 + rnd.nextInt(6), rnd);
        assertTrue(split.nioBufferCount() > 1, "the block spans reads");
        long before = alloc.metric().usedDirectMemory();

        ByteBuf out = Lz4Blocks.decompress(alloc, split, raw.length, raw.length);
        byte[] got = new byte[out.readableBytes()];
        out.readBytes(got);
        out.release();

        assertArrayEquals(raw, got);
        assertEquals(before, alloc.metric().usedDirectMemory(), "the joined copy and the output are released");
        assertEquals(split.readableBytes(), block.readableBytes(), "the block is not consumed");
        block.release();
        split.release();
    }

    @Test
    void aBlockInOneBuffer_expandsInPlace() {
        byte[] raw = compressible(new Random(11), 70_000);
        ByteBuf block = compress(raw);
        ByteBuf out = Lz4Blocks.decompress(alloc, block, raw.length, raw.length);
        byte[] got = new byte[raw.length];
        out.readBytes(got);
        assertArrayEquals(raw, got);
        out.release();
        block.release();
    }

    @Test
    void aCorruptBlockAcrossReads_isRejected_andLeaksNothing() {
        Random rnd = new Random(21);
        byte[] raw = compressible(rnd, 100_000);
        ByteBuf block = compress(raw);
        block.setByte(block.readerIndex(), 0xff); // a literal run far longer than the block
        block.setByte(block.readerIndex() + 1, 0xff);
        CompositeByteBuf split = pieces(block, 4, rnd);
        long before = alloc.metric().usedDirectMemory();
        assertThrows(CorruptedFrameException.class, () -> Lz4Blocks.decompress(alloc, split, raw.length, raw.length));
        assertEquals(before, alloc.metric().usedDirectMemory(), "nothing allocated is kept");
        assertThrows(TooLongFrameException.class, () -> Lz4Blocks.decompress(alloc, split, raw.length + 1, raw.length),
                "a declared length over the limit is refused before anything is allocated");
        block.release();
        split.release();
    }
}
