package dev.delta.protocol.client;

import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ManifestKind;

/**
 * What a MANIFEST stream describes.
 *
 * @param kind FULL or DELTA
 * @param version the target version
 * @param length total bytes of the encoding
 * @param rootDigest root digest of the target version
 */
public record ManifestHeader(ManifestKind kind, long version, long length, Bytes32 rootDigest) {
}
