package dev.delta.engine.chunk;

import dev.delta.engine.hash.Sha256;

/**
 * The result of chunking one file in a single pass: its size, SHA-256 and chunk list.
 *
 * @param size   bytes read
 * @param sha256 SHA-256 of all of them (32 bytes)
 * @param chunks content-defined chunks, covering exactly {@code size} bytes
 */
public record ChunkedFile(long size, byte[] sha256, ChunkList chunks) {
    public ChunkedFile {
        if (sha256 == null || sha256.length != Sha256.BYTES) {
            throw new IllegalArgumentException("sha256 must be 32 bytes");
        }
        if (chunks.totalLength() != size) {
            throw new IllegalArgumentException("chunks cover " + chunks.totalLength() + " bytes, file has " + size);
        }
    }
}
