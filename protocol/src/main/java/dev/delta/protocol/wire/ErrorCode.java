package dev.delta.protocol.wire;

/** Stable numeric error codes carried in ERROR frames (u16). */
public enum ErrorCode {
    /** Malformed frame, unknown type, or a message out of sequence. */
    PROTOCOL_ERROR(1),
    /** No protocol version in common. */
    UNSUPPORTED_VERSION(2),
    /** Unknown key id or wrong HMAC proof; the connection closes. */
    AUTH_FAILED(3),
    /** Authenticated, but not allowed to read this dataset. */
    FORBIDDEN(4),
    /** The dataset does not exist here. */
    UNKNOWN_DATASET(5),
    /** The requested version is not (or no longer) held here. */
    VERSION_MISMATCH(6),
    /** The path does not exist in that version. */
    NOT_FOUND(7),
    /** A range lies outside the file. */
    RANGE_INVALID(8),
    /** A count, size or length exceeds a limit. */
    LIMIT_EXCEEDED(9),
    /** The peer sent flow-controlled bytes beyond its credit. */
    FLOW_CONTROL(10),
    /** The server failed for a reason of its own. */
    INTERNAL(11),
    /** The peer is shutting down. */
    SHUTTING_DOWN(12),
    /** No answer to a PING in time. */
    TIMEOUT(13);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The error for a wire code, or null if this version does not know it. */
    public static ErrorCode fromCode(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
