package dev.delta.protocol.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One part of a MANIFEST stream. The first part (flag 0x01 FIRST) starts with a header, the
 * last part has flag 0x02 LAST; a one-part stream has both.
 *
 * <pre>
 * FIRST: kind u8 (1 FULL, 2 DELTA) | version u64 | total length u64 | root digest [32] | bytes ...
 * other: bytes ...
 * </pre>
 *
 * The header fields are null or 0 on parts that are not FIRST.
 */
public final class ManifestPart extends DefaultByteBufHolder implements Message {
    private final int requestId;
    private final int flags;
    private final ManifestKind kind;
    private final long version;
    private final long totalLength;
    private final Bytes32 rootDigest;

    /** Takes ownership of {@code content}. */
    public ManifestPart(int requestId, int flags, ManifestKind kind, long version, long totalLength,
                        Bytes32 rootDigest, ByteBuf content) {
        super(content);
        this.requestId = requestId;
        this.flags = flags;
        this.kind = kind;
        this.version = version;
        this.totalLength = totalLength;
        this.rootDigest = rootDigest;
    }

    /** A part that is not the first. */
    public static ManifestPart next(int requestId, boolean last, ByteBuf content) {
        return new ManifestPart(requestId, last ? FrameLayout.FLAG_LAST : 0, null, 0, 0, null, content);
    }

    @Override
    public MessageType type() {
        return MessageType.MANIFEST;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public int flags() {
        return flags;
    }

    /** Whether this part carries the header. */
    public boolean first() {
        return (flags & FrameLayout.FLAG_FIRST) != 0;
    }

    /** Whether this part ends the stream. */
    public boolean last() {
        return (flags & FrameLayout.FLAG_LAST) != 0;
    }

    /** FULL or DELTA (first part only). */
    public ManifestKind kind() {
        return kind;
    }

    /** Version the stream describes (first part only). */
    public long version() {
        return version;
    }

    /** Total byte count of the stream (first part only). */
    public long totalLength() {
        return totalLength;
    }

    /** Root digest of the target version (first part only). */
    public Bytes32 rootDigest() {
        return rootDigest;
    }

    @Override
    public ManifestPart replace(ByteBuf content) {
        return new ManifestPart(requestId, flags, kind, version, totalLength, rootDigest, content);
    }

    @Override
    public String toString() {
        return "ManifestPart[requestId=" + requestId + ", flags=" + flags + ", kind=" + kind + ", version="
                + version + ", totalLength=" + totalLength + ", content=" + content().readableBytes() + "B]";
    }
}
