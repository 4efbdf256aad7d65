package dev.delta.protocol.client;

import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;

import java.util.concurrent.CompletableFuture;

/** A request sent (or waiting to be sent) and the future it completes. Event-loop confined. */
abstract class Pending<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    long lastProgressNanos;
    /** The connection's protocol version, set before {@link #request} is called. */
    int version = 1;

    /** The request frame under {@code requestId}. */
    abstract Message request(int requestId);

    /** Handles a DATA frame; returns true when the request is finished. */
    boolean onData(Data d) throws DeltaException {
        throw new DeltaException(ErrorKind.PROTOCOL_ERROR, "DATA for a request that expects none");
    }

    /** Handles a MANIFEST part; returns true when the request is finished. */
    boolean onManifest(ManifestPart p) throws DeltaException {
        throw new DeltaException(ErrorKind.PROTOCOL_ERROR, "MANIFEST for a request that expects none");
    }

    void fail(DeltaException e) {
        future.completeExceptionally(e);
    }

    static DeltaException protocol(String message) {
        return new DeltaException(ErrorKind.PROTOCOL_ERROR, message);
    }
}
