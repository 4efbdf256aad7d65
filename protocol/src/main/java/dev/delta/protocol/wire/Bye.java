package dev.delta.protocol.wire;

/** Orderly close: no more requests will be sent; empty body. */
public record Bye() implements Message {
    @Override
    public MessageType type() {
        return MessageType.BYE;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
