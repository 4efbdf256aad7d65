package dev.delta.protocol.wire;

/** Asks for ANNOUNCEs of a dataset under this request id: {@code dataset (u8 length + UTF-8)}. */
public record Subscribe(int requestId, String dataset) implements Message {
    @Override
    public MessageType type() {
        return MessageType.SUBSCRIBE;
    }
}
