package dev.delta.protocol.wire;

/**
 * Bounds checked on every length, count and size read from the wire before anything is allocated.
 *
 * @param maxFrameLength largest accepted value of the frame length field
 * @param maxDataLength largest raw (decompressed) content of one DATA frame
 * @param maxRangesPerRequest largest range count in one GET_RANGES
 * @param maxPathBytes largest UTF-8 path in GET_RANGES
 * @param maxManifestBytes largest total length a MANIFEST stream may declare
 */
public record Limits(int maxFrameLength, int maxDataLength, int maxRangesPerRequest, int maxPathBytes,
                     long maxManifestBytes) {
    /** Largest dataset name in UTF-8 bytes (it is length-prefixed by a u8). */
    public static final int MAX_DATASET_BYTES = 255;
    /** Largest key id in UTF-8 bytes (u8 prefix). */
    public static final int MAX_KEY_ID_BYTES = 255;
    /** Largest ERROR message in UTF-8 bytes. */
    public static final int MAX_ERROR_MESSAGE_BYTES = 1024;
    /** Largest reference window of a GET_RANGES (the server reads and indexes a window per range). */
    public static final int MAX_REFERENCE_WINDOW = 1024 * 1024;
    /** Default maximum frame length: 256 KiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 256 * 1024;
    /** Default raw content per DATA frame a sender produces: 128 KiB. */
    public static final int DEFAULT_DATA_PIECE = 128 * 1024;
    /** Default limits. */
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_FRAME_LENGTH, 128 * 1024, 4096, 4096,
            1L << 30);

    /** Validates the combination. */
    public Limits {
        if (maxFrameLength < 1024) {
            throw new IllegalArgumentException("maxFrameLength must be at least 1024: " + maxFrameLength);
        }
        if (maxDataLength < 1 || maxRangesPerRequest < 1 || maxPathBytes < 1 || maxManifestBytes < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (maxPathBytes > 65535 || maxRangesPerRequest > 65535) {
            throw new IllegalArgumentException("path and range count are u16 on the wire");
        }
    }
}
