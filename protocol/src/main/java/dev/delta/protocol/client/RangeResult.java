package dev.delta.protocol.client;

/**
 * A finished GET_RANGES.
 *
 * @param bytes raw bytes delivered to the handler
 * @param pieces DATA frames received
 */
public record RangeResult(long bytes, int pieces) {
}
