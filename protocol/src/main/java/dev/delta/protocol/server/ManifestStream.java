package dev.delta.protocol.server;

import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ManifestKind;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An encoded manifest (or manifest delta) to stream; the protocol never looks inside it.
 *
 * @param kind FULL or DELTA
 * @param version the version it describes
 * @param length exact byte count {@code content} yields
 * @param rootDigest root digest of {@code version}
 * @param content the bytes; closed when the stream is done or abandoned
 */
public record ManifestStream(ManifestKind kind, long version, long length, Bytes32 rootDigest, InputStream content)
        implements Closeable {
    /** Validates the header. */
    public ManifestStream {
        if (version < 1 || length < 0) {
            throw new IllegalArgumentException("version must be positive and length non-negative");
        }
    }

    @Override
    public void close() throws IOException {
        content.close();
    }
}
