package dev.delta.engine.hash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers: the strong end-to-end check of a whole file and of a manifest. */
public final class Sha256 {
    public static final int BYTES = 32;

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static byte[] of(byte[] data) {
        return newDigest().digest(data);
    }

    public static byte[] of(byte[] data, int off, int len) {
        MessageDigest md = newDigest();
        md.update(data, off, len);
        return md.digest();
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    public static byte[] fromHex(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("SHA-256 must be 64 hex digits, got " + hex.length());
        }
        return HexFormat.of().parseHex(hex);
    }
}
