package dev.delta.protocol.server;

import dev.delta.protocol.wire.ErrorCode;

/** A {@link DatasetService} refusal; its code and message go to the peer in an ERROR frame. */
public final class DatasetException extends Exception {
    private final ErrorCode code;

    /** A refusal with a wire error code. */
    public DatasetException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** The error code sent to the peer. */
    public ErrorCode code() {
        return code;
    }
}
