package dev.delta.protocol.server;

import dev.delta.engine.patch.RefPatch;
import dev.delta.protocol.codec.Lz4Blocks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A piece of a range as a DATA patch: the {@link RefPatch} of the piece against its range's
 * window, compressed with LZ4 HC when that helps (then the content is the patch's length, 4 bytes,
 * followed by the LZ4 block). The same encoding serves a request (the upstream's I/O thread) and
 * an origin's publish, which stores an update's patches ahead ({@link StoredPatch}), so that both
 * send the same bytes.
 *
 * <p>Holds the last result and the buffers it reuses; not thread-safe.
 */
public final class PatchEncoding {
    private byte[] patch = new byte[0];
    private byte[] packed = new byte[0];
    private int patchLength;
    private int packedLength;
    private boolean compressed;

    /**
     * Encodes {@code raw[0, len)} against the reference {@code encoder} indexed.
     *
     * @param best the length the patch must beat (the piece's, or its packed block's)
     * @return whether the patch is shorter than {@code best}; the result is then held here
     */
    public boolean encode(RefPatch.Encoder encoder, byte[] raw, int len, int best) {
        if (patch.length < len) {
            patch = new byte[len];
        }
        int n = encoder.encode(raw, 0, len, patch);
        if (n < 0 || n >= best) {
            return false;
        }
        int room = Lz4Blocks.maxCompressedLength(n);
        if (packed.length < room) {
            packed = new byte[room];
        }
        int m = Lz4Blocks.compressHigh(patch, n, packed);
        patchLength = n;
        packedLength = m;
        compressed = m + 4 < n;
        return contentLength() < best;
    }

    /** Whether the last patch is compressed (DATA flag COMPRESSED). */
    public boolean compressed() {
        return compressed;
    }

    /** Length of the last patch's DATA content. */
    public int contentLength() {
        return compressed ? packedLength + 4 : patchLength;
    }

    /** The last patch's DATA content in a new buffer. */
    public ByteBuf content(ByteBufAllocator alloc) {
        ByteBuf b = alloc.buffer(contentLength());
        return compressed ? b.writeInt(patchLength).writeBytes(packed, 0, packedLength)
                : b.writeBytes(patch, 0, patchLength);
    }

    /** The last patch's DATA content as an array of its own. */
    public byte[] content() {
        byte[] out = new byte[contentLength()];
        if (compressed) {
            java.nio.ByteBuffer.wrap(out).putInt(patchLength).put(packed, 0, packedLength);
        } else {
            System.arraycopy(patch, 0, out, 0, patchLength);
        }
        return out;
    }
}
