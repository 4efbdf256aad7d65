package dev.delta.protocol.client;

/**
 * A whole MANIFEST stream held in memory.
 *
 * @param header the stream header
 * @param bytes the encoded manifest or delta, exactly {@code header.length()} bytes
 */
public record ManifestBytes(ManifestHeader header, byte[] bytes) {
}
