package dev.delta.protocol.wire;

/** Server accepts and proves the secret back: {@code HMAC-SHA256 proof [32]}. */
public record HelloOk(Bytes32 proof) implements Message {
    @Override
    public MessageType type() {
        return MessageType.HELLO_OK;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
