package dev.delta.protocol.wire;

/** Liveness probe: {@code nonce u64}. */
public record Ping(long nonce) implements Message {
    @Override
    public MessageType type() {
        return MessageType.PING;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
