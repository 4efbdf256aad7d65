package dev.delta.protocol.wire;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable 32-byte value: a nonce, an HMAC proof or a SHA-256 root digest. */
public final class Bytes32 {
    /** All zero bytes. */
    public static final Bytes32 ZERO = new Bytes32(new byte[FrameLayout.DIGEST_SIZE]);

    private final byte[] bytes;

    private Bytes32(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies 32 bytes. */
    public static Bytes32 of(byte[] bytes) {
        if (bytes.length != FrameLayout.DIGEST_SIZE) {
            throw new IllegalArgumentException("need 32 bytes, got " + bytes.length);
        }
        return new Bytes32(bytes.clone());
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return bytes.clone();
    }

    /** Lowercase hex. */
    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes32 b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
