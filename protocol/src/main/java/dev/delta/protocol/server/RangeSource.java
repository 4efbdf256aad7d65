package dev.delta.protocol.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One file of one version, opened for range reads. Called on the connection's I/O thread, one
 * call at a time.
 */
public interface RangeSource extends Closeable {
    /** File size in bytes; ranges past it are refused with RANGE_INVALID. */
    long size();

    /**
     * Reads bytes at {@code offset} into {@code dst} (up to its remaining space).
     *
     * @return bytes read, or -1 at end of file
     */
    int read(long offset, ByteBuffer dst) throws IOException;

    /**
     * The bytes {@code [offset, offset + length)} as a buffer the source keeps valid and unchanged
     * until it is closed (a memory-mapped file, a cached chunk), or null to be asked to
     * {@link #read} them. A view is sent without being copied first.
     */
    default ByteBuffer view(long offset, int length) {
        return null;
    }

    /**
     * How many bytes the next DATA piece starting at {@code offset} should hold, at most
     * {@code max}. A source that keeps compressed chunks returns the chunk's length so pieces line
     * up with {@link #precompressed}.
     */
    default int pieceLength(long offset, int max) {
        return max;
    }

    /**
     * LZ4 block of exactly {@code [offset, offset + length)} if the source has one ready (an origin
     * compresses each chunk once in LZ4 HC and serves the same bytes to every edge), else null.
     * The buffer's remaining bytes are sent as they are.
     */
    default ByteBuffer precompressed(long offset, int length) {
        return null;
    }

    /**
     * {@link #precompressed(long, int)} as a buffer the caller owns and releases, valid after the
     * source is closed: a source holding its blocks in pooled memory hands out retained slices
     * of it, one reading them allocates from {@code alloc}. By default the plain block, wrapped.
     */
    default ByteBuf precompressed(ByteBufAllocator alloc, long offset, int length) {
        ByteBuffer b = precompressed(offset, length);
        return b == null ? null : Unpooled.wrappedBuffer(b);
    }

    /**
     * The length of what {@link #precompressed} would return, if the source knows it without
     * reading the block, else -1 (then the block is read to learn it). A piece that may go as a
     * patch is compared against this length first, so a block that loses is never read.
     */
    default int precompressedLength(long offset, int length) {
        return -1;
    }

    /**
     * The piece {@code [offset, offset + length)} as a patch against {@code reference}'s bytes
     * {@code [windowOffset, windowOffset + windowLength)}, if the source has it ready (an origin
     * computes the patches of an update once, at publish), else null. Never throws: a patch it
     * cannot read is one it does not have.
     */
    default StoredPatch storedPatch(long offset, int length, RangeSource reference, long windowOffset,
                                    int windowLength) {
        return null;
    }

    @Override
    default void close() throws IOException {
    }
}
