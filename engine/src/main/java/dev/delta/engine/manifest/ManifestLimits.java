package dev.delta.engine.manifest;

/**
 * Upper bounds a decoder enforces before it allocates anything for what it reads, so that a
 * hostile or corrupt manifest can cost at most this much memory.
 *
 * @param maxEntries       most entries in one manifest
 * @param maxChunksPerFile most chunks in one file entry
 * @param maxTotalChunks   most chunk records in the whole manifest
 * @param maxStringBytes   longest string (dataset, path, symlink target) in UTF-8 bytes
 * @param maxManifestBytes longest encoding, checksum included
 */
public record ManifestLimits(int maxEntries, int maxChunksPerFile, long maxTotalChunks, int maxStringBytes,
                             long maxManifestBytes) {
    /** Generous defaults: 10M entries, 16M chunks (per file and in total), 4 KiB strings, 1 GiB encodings. */
    public static final ManifestLimits DEFAULT =
            new ManifestLimits(10_000_000, 16 * 1024 * 1024, 16L * 1024 * 1024, 4096, 1L << 30);

    public ManifestLimits {
        if (maxEntries < 0 || maxChunksPerFile < 0 || maxTotalChunks < 0 || maxStringBytes < 1
                || maxManifestBytes < 1) {
            throw new IllegalArgumentException("manifest limits must be non-negative (string and manifest sizes "
                    + "at least 1): " + maxEntries + ", " + maxChunksPerFile + ", " + maxTotalChunks + ", "
                    + maxStringBytes + ", " + maxManifestBytes);
        }
        if (maxStringBytes > 0xffff) {
            throw new IllegalArgumentException("max string bytes " + maxStringBytes
                    + " exceeds the 16-bit length field of the format (65535)");
        }
    }
}
