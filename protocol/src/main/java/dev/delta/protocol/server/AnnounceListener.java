package dev.delta.protocol.server;

import dev.delta.protocol.wire.Bytes32;

/** Receives new versions of a subscribed dataset; may be called from any thread. */
@FunctionalInterface
public interface AnnounceListener {
    /** A version is available. */
    void announce(String dataset, long version, Bytes32 rootDigest);
}
