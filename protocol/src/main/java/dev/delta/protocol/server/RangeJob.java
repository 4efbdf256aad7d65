package dev.delta.protocol.server;

import dev.delta.engine.patch.RefPatch;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.codec.Lz4Blocks;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Streams the ranges of one GET_RANGES as DATA pieces, in order. Each piece is the source's
 * precompressed block when it has one, else LZ4 of the raw bytes when that is smaller, else raw.
 *
 * <p>Compressing incompressible data costs an LZ4 pass for nothing, so once a piece did not shrink
 * the next ones are first probed: LZ4 of their first {@link #PROBE_BYTES} only, and the whole piece
 * is compressed only if that sample shrank. After {@link #MISSES_BEFORE_SKIPPING} misses in a row,
 * only every {@link #SKIP_PERIOD}th piece is probed and the rest go raw. A piece that shrinks puts
 * the job back to compressing every piece, so data that turns compressible midway is noticed
 * within a period.
 *
 * <p>With a reference (protocol version 2), each piece of a range that has a window is first
 * encoded as a {@link RefPatch} against that window (read and indexed once per range), compressed
 * with LZ4 HC when that helps, and sent as a patch when it beats every other form. A patch the
 * source stored ahead for the piece and window ({@link RangeSource#storedPatch}: an origin encodes
 * an update's patches once, at publish) is sent as it is, without reading or encoding anything.
 */
final class RangeJob extends OutboundJob {
    /** Consecutive pieces that did not shrink before compression is tried only now and then. */
    static final int MISSES_BEFORE_SKIPPING = 4;
    /** While skipping, one piece in this many is still tried, to notice compressible data again. */
    static final int SKIP_PERIOD = 16;
    /** Bytes at the start of a piece compressed to decide whether the whole piece is worth a try. */
    static final int PROBE_BYTES = 8 * 1024;

    private final RangeSource source;
    private final List<ByteRange> ranges;
    private final int maxPiece;
    private final Reference reference;
    private int index;
    private long position;
    private int misses;
    private int skip;
    /** Patch state, only with a reference: the window indexed for range {@code windowFor}, and buffers. */
    private RefPatch.Encoder encoder;
    private int windowFor = -1;
    private boolean windowUsable;
    private byte[] window;
    /** Whether the current piece's bytes are in the scratch buffer already (read to try a patch). */
    private boolean pieceRead;
    /** Per-piece buffers, used only within one call of {@link #next}: shared by the jobs of an I/O thread. */
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1][]);
    private static final ThreadLocal<PatchEncoding> ENCODING = ThreadLocal.withInitial(PatchEncoding::new);

    /**
     * A request's reference: the file its windows are in, and one window per range (length 0 =
     * none).
     */
    record Reference(RangeSource source, List<RangeReference.Window> windows) {
    }

    RangeJob(int requestId, RangeSource source, List<ByteRange> ranges, int maxPiece) {
        this(requestId, source, ranges, maxPiece, null);
    }

    RangeJob(int requestId, RangeSource source, List<ByteRange> ranges, int maxPiece, Reference reference) {
        super(requestId);
        this.source = source;
        this.ranges = ranges;
        this.maxPiece = maxPiece;
        this.reference = reference;
        this.position = ranges.get(0).offset();
    }

    @Override
    Message next(ByteBufAllocator alloc) throws IOException, DatasetException {
        ByteRange r = ranges.get(index);
        int remaining = (int) Math.min(maxPiece, r.end() - position);
        int rangeIndex = index;
        long offset = position;
        StoredPatch stored = reference == null ? null : stored(rangeIndex, offset, remaining);
        int len = stored != null ? remaining // a stored patch is of a whole piece, not cut along packed blocks
                : Math.max(1, Math.min(remaining, source.pieceLength(position, remaining)));
        position += len;
        if (position == r.end() && ++index < ranges.size()) {
            position = ranges.get(index).offset();
        }
        int end = done() ? FrameLayout.FLAG_END : 0;
        if (stored != null) {
            int flags = end | FrameLayout.FLAG_PATCH | (stored.compressed() ? FrameLayout.FLAG_COMPRESSED : 0);
            return new Data(requestId(), flags, rangeIndex, offset, len, Unpooled.wrappedBuffer(stored.content()));
        }
        ByteBuf pre = null; // owned here until handed to a Data
        pieceRead = false;
        if (reference != null) {
            int known = source.precompressedLength(offset, len);
            if (known < 0) {
                pre = source.precompressed(alloc, offset, len);
                known = pre != null && pre.isReadable() ? pre.readableBytes() : len;
            }
            Data d;
            try {
                d = patched(alloc, rangeIndex, offset, len, end, Math.min(known, len));
            } catch (IOException | DatasetException | RuntimeException e) {
                release(pre);
                throw e;
            }
            if (d != null) {
                release(pre);
                return d;
            }
        }
        if (pre == null) {
            pre = source.precompressed(alloc, offset, len);
        }
        if (pre != null && pre.isReadable() && pre.readableBytes() < len) {
            return new Data(requestId(), end | FrameLayout.FLAG_COMPRESSED, rangeIndex, offset, len, pre);
        }
        release(pre);
        ByteBuffer view = source.view(offset, len);
        ByteBuf raw = view != null && view.remaining() == len ? Unpooled.wrappedBuffer(view)
                : pieceRead ? alloc.directBuffer(len, len).writeBytes(SCRATCH.get()[0], 0, len) // read for a patch
                : read(alloc, offset, len);
        if (skip > 0) {
            skip--;
            return new Data(requestId(), end, rangeIndex, offset, len, raw);
        }
        ByteBuf packed;
        try {
            boolean hopeless = misses > 0 && len > PROBE_BYTES && !Lz4Blocks.shrinks(alloc, raw, PROBE_BYTES);
            packed = hopeless ? null : Lz4Blocks.compressIfSmaller(alloc, raw);
        } catch (RuntimeException e) {
            raw.release();
            throw e;
        }
        if (packed == null) {
            if (++misses >= MISSES_BEFORE_SKIPPING) {
                skip = SKIP_PERIOD - 1;
            }
            return new Data(requestId(), end, rangeIndex, offset, len, raw);
        }
        misses = 0;
        raw.release();
        return new Data(requestId(), end | FrameLayout.FLAG_COMPRESSED, rangeIndex, offset, len, packed);
    }

    /**
     * The piece as a patch against its range's window when that is smaller than {@code best} (the
     * precompressed block's length, or the piece's); else null, and the piece goes as usual.
     */
    private Data patched(ByteBufAllocator alloc, int rangeIndex, long offset, int len, int end, int best)
            throws IOException, DatasetException {
        if (windowFor != rangeIndex) {
            windowFor = rangeIndex;
            RangeReference.Window w = reference.windows().get(rangeIndex);
            windowUsable = w.length() > 0 && readFully(reference.source(), w.offset(), window = room(window, w.length()),
                    w.length());
            if (windowUsable) {
                if (encoder == null) {
                    encoder = new RefPatch.Encoder();
                }
                encoder.reference(window, w.length());
            }
        }
        if (!windowUsable) {
            return null;
        }
        byte[][] scratch = SCRATCH.get();
        byte[] raw = scratch[0] = room(scratch[0], len);
        if (!readFully(source, offset, raw, len)) {
            throw new DatasetException(ErrorCode.INTERNAL, "file ended while reading a range at " + offset);
        }
        pieceRead = true;
        PatchEncoding encoding = ENCODING.get();
        if (!encoding.encode(encoder, raw, len, best)) {
            return null;
        }
        int flags = end | FrameLayout.FLAG_PATCH | (encoding.compressed() ? FrameLayout.FLAG_COMPRESSED : 0);
        return new Data(requestId(), flags, rangeIndex, offset, len, encoding.content(alloc));
    }

    /**
     * The piece {@code [offset, offset + len)} as the source stored it ahead against this range's
     * window, unless the source has none or holds the piece packed in fewer bytes.
     */
    private StoredPatch stored(int rangeIndex, long offset, int len) {
        RangeReference.Window w = reference.windows().get(rangeIndex);
        if (w.length() == 0) {
            return null;
        }
        StoredPatch p = source.storedPatch(offset, len, reference.source(), w.offset(), w.length());
        if (p == null) {
            return null;
        }
        int packed = source.precompressedLength(offset, len);
        return packed >= 0 && packed <= p.content().remaining() ? null : p;
    }

    private static void release(ByteBuf b) {
        if (b != null) {
            b.release();
        }
    }

    private static byte[] room(byte[] b, int n) {
        return b != null && b.length >= n ? b : new byte[n];
    }

    /** Reads {@code n} bytes at {@code offset} into {@code dst}; false if the file ends first. */
    private static boolean readFully(RangeSource src, long offset, byte[] dst, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, 0, n);
        while (b.hasRemaining()) {
            if (src.read(offset + b.position(), b) < 0) {
                return false;
            }
        }
        return true;
    }

    private ByteBuf read(ByteBufAllocator alloc, long offset, int len) throws IOException, DatasetException {
        ByteBuf buf = alloc.directBuffer(len, len);
        boolean ok = false;
        try {
            ByteBuffer nio = buf.nioBuffer(0, len);
            while (nio.hasRemaining()) {
                int n = source.read(offset + nio.position(), nio);
                if (n < 0) {
                    throw new DatasetException(ErrorCode.INTERNAL, "file ended at " + (offset + nio.position())
                            + " while reading a range");
                }
            }
            buf.writerIndex(len);
            ok = true;
            return buf;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    @Override
    boolean done() {
        return index >= ranges.size();
    }

    @Override
    void close() {
        try {
            source.close();
        } catch (IOException ignored) {
            // nothing more to send from it either way
        }
        if (reference != null) {
            try {
                reference.source().close();
            } catch (IOException ignored) {
                // only read from
            }
        }
    }
}
