package dev.delta.engine.manifest;

import java.io.IOException;

/**
 * A manifest encoding that Delta will not accept: wrong magic, unsupported format version,
 * truncated, over a {@link ManifestLimits limit}, structurally inconsistent, or failing its
 * checksum. The message names the byte offset and the field where the problem was found.
 */
public final class ManifestFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    /**
     * @param offset  byte offset of the offending field, or -1 when not tied to one
     * @param message what is wrong, naming the field
     */
    public ManifestFormatException(long offset, String message) {
        super(message);
        this.offset = offset;
    }

    /** Byte offset of the offending field in the encoding, or -1 when not tied to one. */
    public long offset() {
        return offset;
    }
}
