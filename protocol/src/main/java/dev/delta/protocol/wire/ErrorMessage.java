package dev.delta.protocol.wire;

/** An error: {@code code u16, message (u16 length + UTF-8)}; request id 0 means the connection closes. */
public record ErrorMessage(int requestId, int code, String message) implements Message {
    /** Longest message kept, in chars (at most 3 UTF-8 bytes each, within the wire limit). */
    public static final int MAX_MESSAGE_CHARS = 300;

    /** Truncates long messages so the frame stays within {@link Limits#MAX_ERROR_MESSAGE_BYTES}. */
    public ErrorMessage {
        if (message.length() > MAX_MESSAGE_CHARS) {
            message = message.substring(0, MAX_MESSAGE_CHARS);
        }
    }

    @Override
    public MessageType type() {
        return MessageType.ERROR;
    }
}
