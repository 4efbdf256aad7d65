package dev.delta.engine.store;

/**
 * Bytes a release builder still needs from upstream: {@code [offset, offset + length)} of
 * {@code path} in the target version, made of whole chunks {@code firstChunk ..
 * firstChunk + chunkCount - 1} of that file, so every chunk id can be checked on arrival.
 *
 * @param path       file path in the target manifest
 * @param offset     byte offset in the file
 * @param length     number of bytes
 * @param firstChunk index of the first chunk of the range in the file's chunk list
 * @param chunkCount number of chunks in the range
 */
public record FetchRange(String path, long offset, long length, int firstChunk, int chunkCount) {
    public FetchRange {
        if (offset < 0 || length <= 0 || firstChunk < 0 || chunkCount <= 0) {
            throw new IllegalArgumentException("bad fetch range " + path + " @" + offset + "+" + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
