package dev.delta.engine.chunk;

import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Chunks a file in one pass: every byte is read once into a reusable buffer, fed to the
 * whole-file SHA-256 as it arrives, cut by {@link FastCdc} and hashed into a chunk id.
 *
 * <p>Boundaries depend only on the content and the {@link ChunkerParams}, never on the read
 * buffer's size or on how the channel splits its reads: a chunk is cut only when at least
 * {@code max} bytes are buffered, or at the end of the input.
 *
 * <p>Not thread-safe: it owns one read buffer (a few MiB) and a digest; use one per thread.
 */
public final class FileChunker {
    /** Read buffer size beyond {@code max}, when none is given. */
    static final int DEFAULT_BUFFER_EXTRA = 4 * 1024 * 1024;

    /**
     * Largest single read. A heap buffer read from a file channel goes through a temporary
     * direct buffer of the same size, cached per thread by the JDK; capping reads keeps it small.
     */
    static final int MAX_READ = 1024 * 1024;

    /** Cap on the chunk list presized from a channel's length (about 100 MiB of list). */
    static final int MAX_PRESIZED_CHUNKS = 1 << 22;

    private final ChunkerParams params;
    private final FastCdc cdc;
    private final byte[] buf;
    private final ByteBuffer view; // wraps buf, so reads need no allocation
    private final MessageDigest sha = Sha256.newDigest();
    private final long[] id = new long[2]; // scratch for ChunkId.hashInto: no allocation per chunk

    /** A chunker with a read buffer of {@code max} + 4 MiB. */
    public FileChunker(ChunkerParams params) {
        this(params, params.max() + DEFAULT_BUFFER_EXTRA);
    }

    /**
     * A chunker with a read buffer of {@code bufferSize} bytes; tests use small sizes to show
     * that boundaries do not depend on it.
     *
     * @throws IllegalArgumentException if {@code bufferSize < params.max()}
     */
    FileChunker(ChunkerParams params, int bufferSize) {
        this.params = Objects.requireNonNull(params, "params");
        if (bufferSize < params.max()) {
            throw new IllegalArgumentException("read buffer of " + bufferSize
                    + " bytes cannot hold a maximal chunk of " + params.max() + " bytes");
        }
        this.cdc = new FastCdc(params);
        this.buf = new byte[bufferSize];
        this.view = ByteBuffer.wrap(buf);
    }

    /** The parameters this chunker cuts with. */
    public ChunkerParams params() {
        return params;
    }

    /** Size of the read buffer in bytes. */
    int bufferSize() {
        return buf.length;
    }

    /** Chunks a regular file. */
    public ChunkedFile chunk(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return chunk(ch, ChunkSink.NONE);
        }
    }

    /** Chunks everything a channel yields until its end; the channel is left open. */
    public ChunkedFile chunk(ReadableByteChannel in) throws IOException {
        return chunk(in, ChunkSink.NONE);
    }

    /**
     * Chunks everything a blocking channel yields until its end, passing each chunk's bytes to
     * {@code sink} in order; the channel is left open.
     */
    public ChunkedFile chunk(ReadableByteChannel in, ChunkSink sink) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(sink, "sink");
        sha.reset();
        int max = params.max();
        ChunkList.Builder chunks = ChunkList.builder(expectedChunks(in));
        long base = 0; // file offset of buf[0]
        int pos = 0; // next byte to cut from
        int limit = 0; // end of buffered bytes
        boolean eof = false;
        while (true) {
            if (!eof && limit - pos < max) {
                // Keep the unprocessed tail (< max bytes) and refill behind it.
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, limit - pos);
                    base += pos;
                    limit -= pos;
                    pos = 0;
                }
                int before = limit;
                limit = fill(in, limit);
                eof = limit < buf.length;
                sha.update(buf, before, limit - before);
            }
            if (pos == limit) {
                break;
            }
            // Cut while a whole window of max bytes is buffered, or whatever is left at the end.
            while (limit - pos >= max || (eof && pos < limit)) {
                int n = cdc.cut(buf, pos, limit - pos);
                ChunkId.hashInto(buf, pos, n, id);
                long hi = id[0];
                long lo = id[1];
                sink.chunk(base + pos, buf, pos, n, hi, lo);
                chunks.add(n, hi, lo);
                pos += n;
            }
        }
        long size = base + limit;
        return new ChunkedFile(size, sha.digest(), chunks.build());
    }

    /**
     * Sizes the chunk list up front when the channel knows its length, so a large file's list is
     * not regrown (and copied) a dozen times.
     */
    private int expectedChunks(ReadableByteChannel in) throws IOException {
        if (in instanceof SeekableByteChannel) {
            SeekableByteChannel s = (SeekableByteChannel) in;
            long left = Math.max(0, s.size() - s.position());
            return (int) Math.min(MAX_PRESIZED_CHUNKS, left / params.avg() + 1);
        }
        return 64;
    }

    /**
     * Reads until the buffer is full or the channel ends; returns the new limit. A limit below
     * the buffer's length means the end was reached.
     */
    private int fill(ReadableByteChannel in, int limit) throws IOException {
        while (limit < buf.length) {
            view.limit(Math.min(buf.length, limit + MAX_READ)).position(limit);
            int r = in.read(view);
            if (r < 0) {
                break;
            }
            limit += r;
        }
        return limit;
    }
}
