package dev.delta.protocol.wire;

/** Server answers HELLO: {@code version u16, server nonce [32], server receive window u32}. */
public record Challenge(int version, Bytes32 serverNonce, int window) implements Message {
    @Override
    public MessageType type() {
        return MessageType.CHALLENGE;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
