package dev.delta.protocol.wire;

/** A new version: {@code dataset (u8 + UTF-8), version u64, root digest [32]}; request id of the SUBSCRIBE. */
public record Announce(int requestId, String dataset, long version, Bytes32 rootDigest) implements Message {
    @Override
    public MessageType type() {
        return MessageType.ANNOUNCE;
    }
}
