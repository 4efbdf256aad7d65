package dev.delta.protocol.wire;

/**
 * Client proves the secret: {@code HMAC-SHA256 proof [32], client receive window u32, client max DATA
 * raw length u32} (the server never sends a larger piece).
 */
public record Auth(Bytes32 proof, int window, int maxData) implements Message {
    @Override
    public MessageType type() {
        return MessageType.AUTH;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
