package dev.delta.protocol.client;

/**
 * A finished GET_RANGES.
 *
 * @param bytes        raw bytes delivered to the handler
 * @param pieces       DATA frames received
 * @param patchedBytes of {@code bytes}, those that arrived as patches against the reference
 */
public record RangeResult(long bytes, int pieces, long patchedBytes) {
    public RangeResult(long bytes, int pieces) {
        this(bytes, pieces, 0);
    }
}
