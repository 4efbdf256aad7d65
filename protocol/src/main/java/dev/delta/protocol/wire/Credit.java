package dev.delta.protocol.wire;

/** Returns flow-control credit: {@code increment u32} bytes. */
public record Credit(long increment) implements Message {
    @Override
    public MessageType type() {
        return MessageType.CREDIT;
    }

    @Override
    public int requestId() {
        return 0;
    }
}
