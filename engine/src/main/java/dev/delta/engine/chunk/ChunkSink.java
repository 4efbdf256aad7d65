package dev.delta.engine.chunk;

import java.io.IOException;

/**
 * Sees each chunk's bytes as {@link FileChunker} cuts them, in file order: to store, compress
 * or index them on the way, without reading the file a second time.
 *
 * <p>{@code buf} is the chunker's read buffer: it is valid only during the call and must not be
 * modified or kept.
 */
@FunctionalInterface
public interface ChunkSink {
    /** A sink that ignores every chunk. */
    ChunkSink NONE = (offset, buf, off, len, idHi, idLo) -> { };

    /**
     * Called once per chunk.
     *
     * @param offset where the chunk starts in the file (may exceed 2 GiB)
     * @param buf    buffer holding the chunk's bytes
     * @param off    where they start in {@code buf}
     * @param len    chunk length
     * @param idHi   high 64 bits of the chunk id (XXH3-128 of the bytes)
     * @param idLo   low 64 bits of the chunk id
     * @throws IOException to abort chunking; it propagates out of {@link FileChunker#chunk}
     */
    void chunk(long offset, byte[] buf, int off, int len, long idHi, long idLo) throws IOException;
}
