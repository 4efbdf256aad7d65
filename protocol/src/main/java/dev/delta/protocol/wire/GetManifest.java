package dev.delta.protocol.wire;

/** Asks for a manifest: {@code dataset (u8 + UTF-8), version u64 (0 = latest), have version u64 (0 = none)}. */
public record GetManifest(int requestId, String dataset, long version, long haveVersion) implements Message {
    @Override
    public MessageType type() {
        return MessageType.GET_MANIFEST;
    }
}
