package dev.delta.protocol.client;

import dev.delta.protocol.wire.ErrorCode;

/** A failed connection or request, with its {@link ErrorKind} and, if the server sent one, its code. */
public class DeltaException extends Exception {
    private final ErrorKind kind;
    private final int remoteCode;

    /** A local failure. */
    public DeltaException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    /** A local failure with a cause. */
    public DeltaException(ErrorKind kind, String message, Throwable cause) {
        super(kind + ": " + message, cause);
        this.kind = kind;
        this.remoteCode = -1;
    }

    private DeltaException(ErrorKind kind, int remoteCode, String message) {
        super(kind + ": " + message, null);
        this.kind = kind;
        this.remoteCode = remoteCode;
    }

    /** From an ERROR frame. */
    public static DeltaException remote(int code, String message) {
        ErrorCode known = ErrorCode.fromCode(code);
        String name = known == null ? "code " + code : known.name() + " (" + code + ")";
        return new DeltaException(ErrorKind.fromRemote(known), code, "server error " + name + ": " + message);
    }

    /** The kind. */
    public ErrorKind kind() {
        return kind;
    }

    /** The ERROR frame's code, or -1 when the failure was local. */
    public int remoteCode() {
        return remoteCode;
    }

    /** The ERROR frame's code as a known {@link ErrorCode}, or null. */
    public ErrorCode remoteError() {
        return ErrorCode.fromCode(remoteCode);
    }
}
