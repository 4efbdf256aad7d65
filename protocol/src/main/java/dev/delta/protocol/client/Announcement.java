package dev.delta.protocol.client;

import dev.delta.protocol.wire.Bytes32;

/**
 * A version announced by the server.
 *
 * @param dataset the dataset
 * @param version the new version
 * @param rootDigest its root digest
 */
public record Announcement(String dataset, long version, Bytes32 rootDigest) {
}
