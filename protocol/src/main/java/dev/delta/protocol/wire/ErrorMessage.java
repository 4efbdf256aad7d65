package dev.delta.protocol.wire;

/** An error: {@code code u16, message (u16 length + UTF-8)}; request id 0 means the connection closes. */
public record ErrorMessage(int requestId, int code, String message) implements Message {
    @Override
    public MessageType type() {
        return MessageType.ERROR;
    }
}
