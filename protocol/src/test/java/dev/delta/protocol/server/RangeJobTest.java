package dev.delta.protocol.server;

import dev.delta.protocol.Content;
import dev.delta.protocol.codec.Lz4Blocks;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.RangeReference;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adaptive compression of range pieces over data that changes between incompressible and text. */
class RangeJobTest {
    private static final int PIECE = 128 * 1024;
    private static final int SECTION = 4 << 20;
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** Sections of 4 MiB: random, text, random, text. */
    private static ByteBuffer mixed() {
        ByteBuffer all = ByteBuffer.allocateDirect(4 * SECTION);
        all.put(Content.random(SECTION, 1)).put(Content.text(SECTION, 2));
        all.put(Content.random(SECTION, 3)).put(Content.text(SECTION, 4));
        return all.flip().asReadOnlyBuffer();
    }

    private static RangeSource viewOf(ByteBuffer data) {
        return new RangeSource() {
            @Override
            public long size() {
                return data.capacity();
            }

            @Override
            public int read(long offset, ByteBuffer dst) {
                int n = (int) Math.min(dst.remaining(), data.capacity() - offset);
                dst.put(data.slice((int) offset, n));
                return n;
            }

            @Override
            public ByteBuffer view(long offset, int length) {
                return data.slice((int) offset, length);
            }
        };
    }

    @Test
    void mixedData_randomGoesRaw_textCompressedSoonAfterItStarts_allBytesExact() throws Exception {
        ByteBuffer data = mixed();
        RangeJob job = new RangeJob(7, viewOf(data), List.of(new ByteRange(0, data.capacity())), PIECE);
        int[] compressed = new int[4];
        int[] pieces = new int[4];
        long position = 0;
        while (!job.done()) {
            Message m = job.next(ALLOC);
            Data d = (Data) m;
            try {
                assertEquals(position, d.offset());
                ByteBuf raw = d.compressed()
                        ? Lz4Blocks.decompress(ALLOC, d.content(), d.rawLength(), Limits.DEFAULT.maxDataLength())
                        : d.content().retain();
                try {
                    assertEquals(-1, data.slice((int) d.offset(), d.rawLength()).mismatch(raw.nioBuffer()),
                            "bytes at " + d.offset());
                } finally {
                    raw.release();
                }
                int section = (int) (d.offset() / SECTION);
                pieces[section]++;
                if (d.compressed()) {
                    compressed[section]++;
                }
                position += d.rawLength();
                assertEquals(job.done(), d.end());
            } finally {
                d.release();
            }
        }
        assertEquals(data.capacity(), position);
        int perSection = SECTION / PIECE;
        assertEquals(perSection, pieces[0]);
        assertEquals(0, compressed[0], "random bytes never shrink");
        assertEquals(0, compressed[2]);
        // Text is noticed within one skip period of its start and compressed from then on.
        assertTrue(compressed[1] >= perSection - RangeJob.SKIP_PERIOD, "text section: " + compressed[1]);
        assertTrue(compressed[3] >= perSection - RangeJob.SKIP_PERIOD, "second text section: " + compressed[3]);
    }

    @Test
    void textFromTheStart_everyPieceCompressed() throws Exception {
        ByteBuffer text = ByteBuffer.allocateDirect(SECTION).put(Content.text(SECTION, 5)).flip();
        RangeJob job = new RangeJob(1, viewOf(text), List.of(new ByteRange(0, SECTION)), PIECE);
        int n = 0;
        while (!job.done()) {
            Data d = (Data) job.next(ALLOC);
            try {
                assertTrue(d.compressed(), "piece at " + d.offset());
                n++;
            } finally {
                d.release();
            }
        }
        assertEquals(SECTION / PIECE, n);
    }

    @Test
    void probe_smallSampleDecides() {
        ByteBuf random = ALLOC.directBuffer(PIECE).writeBytes(Content.random(PIECE, 9));
        ByteBuf text = ALLOC.directBuffer(PIECE).writeBytes(Content.text(PIECE, 9));
        try {
            assertFalse(Lz4Blocks.shrinks(ALLOC, random, RangeJob.PROBE_BYTES));
            assertTrue(Lz4Blocks.shrinks(ALLOC, text, RangeJob.PROBE_BYTES));
            assertEquals(0, random.readerIndex(), "the probe consumes nothing");
            assertFalse(Lz4Blocks.shrinks(ALLOC, Unpooled.EMPTY_BUFFER, RangeJob.PROBE_BYTES));
        } finally {
            random.release();
            text.release();
        }
    }

    /**
     * A piece that may go as a patch is weighed against the packed block's length from the table:
     * when the patch wins, the block is never read; when it loses, the block is sent.
     */
    @Test
    void patchWeighedAgainstThePackedLength_readsTheBlockOnlyIfItWins() throws Exception {
        byte[] old = Content.text(20_000, 1).array();
        byte[] neu = old.clone();
        neu[10_000] ^= 1; // one byte changed: the patch is a few bytes
        int[] reads = new int[1];
        int[] packedLength = {5_000};
        RangeSource target = new BytesSource(neu) {
            @Override
            public int precompressedLength(long offset, int length) {
                return packedLength[0];
            }

            @Override
            public ByteBuffer precompressed(long offset, int length) {
                reads[0]++;
                return ByteBuffer.wrap(new byte[packedLength[0]]);
            }
        };
        RangeJob.Reference ref = new RangeJob.Reference(viewOf(ByteBuffer.wrap(old)),
                List.of(new dev.delta.protocol.wire.RangeReference.Window(0, old.length)));
        RangeJob job = new RangeJob(1, target, List.of(new ByteRange(0, neu.length)), PIECE, ref);
        Data d = (Data) job.next(ALLOC);
        assertTrue(d.patch());
        assertTrue(d.content().readableBytes() < 100, d.toString());
        assertEquals(0, reads[0], "the packed block was not read");
        d.release();

        packedLength[0] = 3; // an (impossibly) small block beats any patch: it is read and sent
        job = new RangeJob(2, target, List.of(new ByteRange(0, neu.length)), PIECE, ref);
        d = (Data) job.next(ALLOC);
        assertFalse(d.patch());
        assertTrue(d.compressed());
        assertEquals(1, reads[0]);
        d.release();
    }

    /**
     * A piece the source stored ahead as a patch against the range's window goes as stored, a whole
     * piece long (not cut along the source's packed blocks) and without the source being read; it
     * decodes to the piece. A piece without one, or whose packed block is smaller, goes as before.
     */
    @Test
    void storedPatch_isSentAsStored_wholePieceLong_unlessThePackedBlockIsSmaller() throws Exception {
        byte[] old = Content.text(3 * PIECE, 11).array();
        byte[] neu = old.clone();
        neu[1000] ^= 1;
        neu[PIECE + 500] ^= 1;
        RangeReference.Window window = new RangeReference.Window(0, old.length);
        dev.delta.engine.patch.RefPatch.Encoder enc = new dev.delta.engine.patch.RefPatch.Encoder().reference(old,
                old.length);
        PatchEncoding encoding = new PatchEncoding();
        assertTrue(encoding.encode(enc, java.util.Arrays.copyOf(neu, PIECE), PIECE, PIECE));
        StoredPatch first = new StoredPatch(encoding.compressed(), ByteBuffer.wrap(encoding.content()));
        int[] reads = new int[1];
        int[] packedLength = {-1};
        RangeSource target = new BytesSource(neu) {
            @Override
            public int read(long offset, ByteBuffer dst) {
                reads[0]++;
                return super.read(offset, dst);
            }

            @Override
            public int pieceLength(long offset, int max) {
                return Math.min(max, 16 * 1024); // packed blocks of 16 KiB
            }

            @Override
            public int precompressedLength(long offset, int length) {
                return packedLength[0];
            }

            @Override
            public StoredPatch storedPatch(long offset, int length, RangeSource reference, long windowOffset,
                                           int windowLength) {
                return offset == 0 && length == PIECE && windowOffset == window.offset()
                        && windowLength == window.length() ? first : null;
            }
        };
        RangeJob.Reference ref = new RangeJob.Reference(viewOf(ByteBuffer.wrap(old)), List.of(window));
        RangeJob job = new RangeJob(1, target, List.of(new ByteRange(0, neu.length)), PIECE, ref);
        Data d = (Data) job.next(ALLOC);
        try {
            assertTrue(d.patch());
            assertEquals(0, d.offset());
            assertEquals(PIECE, d.rawLength(), "a whole piece, not a 16 KiB block");
            assertEquals(0, reads[0], "nothing read from the source");
            assertEquals(first.content().remaining(), d.content().readableBytes());
            ByteBuffer patch = d.content().nioBuffer();
            if (d.compressed()) {
                int n = patch.getInt();
                byte[] raw = new byte[n];
                net.jpountz.lz4.LZ4Factory.fastestInstance().safeDecompressor().decompress(patch, patch.position(),
                        patch.remaining(), ByteBuffer.wrap(raw), 0, n);
                patch = ByteBuffer.wrap(raw);
            }
            ByteBuffer out = ByteBuffer.allocate(PIECE);
            dev.delta.engine.patch.RefPatch.apply(patch, ByteBuffer.wrap(old), out, PIECE);
            assertArrayEquals(java.util.Arrays.copyOf(neu, PIECE), out.array());
        } finally {
            d.release();
        }
        d = (Data) job.next(ALLOC); // none stored for the next piece: patched live, along the blocks
        try {
            assertEquals(PIECE, d.offset());
            assertEquals(16 * 1024, d.rawLength());
            assertTrue(reads[0] > 0);
        } finally {
            d.release();
        }

        packedLength[0] = 4; // a packed block smaller than the stored patch: the stored one is not used
        job = new RangeJob(2, target, List.of(new ByteRange(0, neu.length)), PIECE, ref);
        d = (Data) job.next(ALLOC);
        try {
            assertEquals(16 * 1024, d.rawLength());
        } finally {
            d.release();
        }
    }

    /**
     * A source may hand out its packed blocks as buffers the job owns (pooled memory): one sent
     * goes with its DATA, one not sent (no smaller than the piece, or beaten by a patch) is
     * released at once.
     */
    @Test
    void ownedPackedBlocks_goWithTheirDataOrAreReleased() throws Exception {
        byte[] old = Content.text(20_000, 3).array();
        byte[] neu = old.clone();
        neu[100] ^= 1;
        int[] blockLength = {1_000};
        List<io.netty.buffer.ByteBuf> handedOut = new java.util.ArrayList<>();
        RangeSource target = new BytesSource(neu) {
            @Override
            public io.netty.buffer.ByteBuf precompressed(io.netty.buffer.ByteBufAllocator alloc, long offset,
                                                         int length) {
                io.netty.buffer.ByteBuf b = alloc.directBuffer(blockLength[0]).writeZero(blockLength[0]);
                handedOut.add(b);
                return b;
            }
        };
        RangeJob job = new RangeJob(1, target, List.of(new ByteRange(0, neu.length)), PIECE);
        Data d = (Data) job.next(ALLOC);
        assertTrue(d.compressed());
        assertEquals(blockLength[0], d.content().readableBytes());
        assertEquals(1, handedOut.get(0).refCnt(), "sent: held by its DATA");
        d.release();
        assertEquals(0, handedOut.get(0).refCnt());

        blockLength[0] = neu.length; // no smaller than the piece: not sent
        d = (Data) new RangeJob(2, target, List.of(new ByteRange(0, neu.length)), PIECE).next(ALLOC);
        assertFalse(d.compressed() && d.content().readableBytes() == blockLength[0]);
        assertEquals(0, handedOut.get(1).refCnt(), "not sent: released by the job");
        d.release();

        blockLength[0] = 5_000; // read to be weighed against a patch (no length known ahead), and beaten
        RangeJob.Reference ref = new RangeJob.Reference(viewOf(ByteBuffer.wrap(old)),
                List.of(new dev.delta.protocol.wire.RangeReference.Window(0, old.length)));
        d = (Data) new RangeJob(3, target, List.of(new ByteRange(0, neu.length)), PIECE, ref).next(ALLOC);
        assertTrue(d.patch());
        assertEquals(3, handedOut.size());
        assertEquals(0, handedOut.get(2).refCnt(), "beaten by a patch: released by the job");
        d.release();
    }
}
