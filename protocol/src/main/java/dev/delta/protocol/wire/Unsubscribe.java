package dev.delta.protocol.wire;

/** Ends a subscription: {@code dataset (u8 length + UTF-8)}; the request id is the SUBSCRIBE's. */
public record Unsubscribe(int requestId, String dataset) implements Message {
    @Override
    public MessageType type() {
        return MessageType.UNSUBSCRIBE;
    }
}
