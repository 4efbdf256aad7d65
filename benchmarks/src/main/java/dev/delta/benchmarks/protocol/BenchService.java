package dev.delta.benchmarks.protocol;

import dev.delta.protocol.server.AnnounceListener;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DatasetService;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.wire.ErrorCode;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * Serves in-memory files of dataset "bench" version 1. A file registered with HC blocks is served
 * the way an origin would: each 64 KiB piece as an LZ4 HC block prepared once.
 */
final class BenchService implements DatasetService {
    static final int PIECE = 64 * 1024;

    private final byte[] secret;
    private final Map<String, ByteBuffer> files;
    private final Map<String, ByteBuffer[]> hcBlocks;

    /** Files are direct buffers, like memory-mapped files on an origin. */
    BenchService(byte[] secret, Map<String, ByteBuffer> files, Map<String, ByteBuffer[]> hcBlocks) {
        this.secret = secret;
        this.files = files;
        this.hcBlocks = hcBlocks;
    }

    /** LZ4 HC block per 64 KiB piece, or null where HC does not shrink the piece. */
    static ByteBuffer[] hcBlocks(byte[] data) {
        LZ4Compressor hc = LZ4Factory.fastestInstance().highCompressor();
        ByteBuffer[] blocks = new ByteBuffer[(data.length + PIECE - 1) / PIECE];
        for (int i = 0; i < blocks.length; i++) {
            int off = i * PIECE;
            int len = Math.min(PIECE, data.length - off);
            byte[] c = hc.compress(data, off, len);
            blocks[i] = c.length < len ? ByteBuffer.wrap(c).asReadOnlyBuffer() : null;
        }
        return blocks;
    }

    @Override
    public Optional<byte[]> secret(String keyId) {
        return Optional.of(secret);
    }

    @Override
    public ManifestStream openManifest(String dataset, long version, long haveVersion) throws DatasetException {
        throw new DatasetException(ErrorCode.NOT_FOUND, "the benchmark serves ranges only");
    }

    @Override
    public RangeSource openFile(String dataset, long version, String path) throws DatasetException {
        ByteBuffer data = files.get(path);
        if (data == null) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "no file " + path);
        }
        ByteBuffer[] blocks = hcBlocks.get(path);
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

            @Override
            public int pieceLength(long offset, int max) {
                return blocks == null ? max : (int) Math.min(max, PIECE - offset % PIECE);
            }

            @Override
            public ByteBuffer precompressed(long offset, int length) {
                if (blocks == null || offset % PIECE != 0 || length != Math.min(PIECE, data.capacity() - offset)) {
                    return null;
                }
                ByteBuffer b = blocks[(int) (offset / PIECE)];
                return b == null ? null : b.duplicate();
            }
        };
    }

    @Override
    public AutoCloseable subscribe(String dataset, AnnounceListener listener) throws DatasetException {
        throw new DatasetException(ErrorCode.NOT_FOUND, "the benchmark has no announcements");
    }
}
