package dev.delta.protocol.wire;

/** Client opens: {@code magic u32, min version u16, max version u16, client nonce [32], key id (u8 length + UTF-8)}. */
public record Hello(int minVersion, int maxVersion, Bytes32 clientNonce, String keyId) implements Message {
    @Override
    public MessageType type() {
        return MessageType.HELLO;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
