package dev.delta.protocol.client;

import dev.delta.protocol.wire.ErrorCode;

/** What went wrong, coarse enough to decide what to do next (retry, other peer, give up). */
public enum ErrorKind {
    /** Wrong key or secret, or the server could not prove it knows the secret. */
    AUTH_FAILED,
    /** No protocol version in common, or the requested dataset version is not held by the peer. */
    VERSION_MISMATCH,
    /** The connection closed before the request finished. */
    PEER_CLOSED,
    /** No answer in time. */
    TIMEOUT,
    /** A count or size beyond a limit, on either side. */
    LIMIT_EXCEEDED,
    /** The server refused the request; see {@link DeltaException#remoteCode()}. */
    REMOTE_ERROR,
    /** The peer broke the protocol (malformed frame, data outside the request, wrong lengths). */
    PROTOCOL_ERROR,
    /** A callback of the caller threw; the request was abandoned. */
    HANDLER_FAILED;

    /** The kind for an ERROR frame code. */
    public static ErrorKind fromRemote(ErrorCode code) {
        if (code == null) {
            return REMOTE_ERROR;
        }
        return switch (code) {
            case AUTH_FAILED -> AUTH_FAILED;
            case UNSUPPORTED_VERSION, VERSION_MISMATCH -> VERSION_MISMATCH;
            case LIMIT_EXCEEDED -> LIMIT_EXCEEDED;
            case PROTOCOL_ERROR -> PROTOCOL_ERROR;
            case TIMEOUT -> TIMEOUT;
            case SHUTTING_DOWN -> PEER_CLOSED;
            default -> REMOTE_ERROR;
        };
    }
}
