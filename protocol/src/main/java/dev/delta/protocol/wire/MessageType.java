package dev.delta.protocol.wire;

/** Message types with their fixed one-byte codes; the numbers never change meaning. */
public enum MessageType {
    HELLO(0x01, true),
    CHALLENGE(0x02, true),
    AUTH(0x03, true),
    HELLO_OK(0x04, true),
    SUBSCRIBE(0x10, false),
    UNSUBSCRIBE(0x11, false),
    ANNOUNCE(0x12, false),
    GET_MANIFEST(0x20, false),
    MANIFEST(0x21, false),
    GET_RANGES(0x30, false),
    /** Version 3. */
    GET_FILES(0x32, false),
    DATA(0x31, false),
    CREDIT(0x40, true),
    ERROR(0x50, false),
    PING(0x60, true),
    PONG(0x61, true),
    BYE(0x70, true);

    private static final MessageType[] BY_CODE = new MessageType[256];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final boolean connectionLevel;

    MessageType(int code, boolean connectionLevel) {
        this.code = code;
        this.connectionLevel = connectionLevel;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** Whether frames of this type must carry request id 0. */
    public boolean connectionLevel() {
        return connectionLevel;
    }

    /** The type for a wire code, or null if unknown. */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }
}
