package dev.delta.protocol.auth;

import dev.delta.protocol.wire.Bytes32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * The challenge-response proofs. Both sides send a fresh 32-byte nonce; each proves it holds the
 * shared secret with
 *
 * <pre>
 * proof = HMAC-SHA256(secret, label | version u16 | client nonce | server nonce | key id UTF-8)
 * label = "delta client proof" (client to server) or "delta server proof" (server to client)
 * </pre>
 *
 * Distinct labels stop a proof from being reflected back; both nonces stop replay.
 */
public final class HmacProof {
    /** Label of the client's proof. */
    public static final String CLIENT_LABEL = "delta client proof";
    /** Label of the server's proof. */
    public static final String SERVER_LABEL = "delta server proof";
    private static final SecureRandom RANDOM = new SecureRandom();

    private HmacProof() {
    }

    /** A fresh random nonce. */
    public static Bytes32 nonce() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Bytes32.of(b);
    }

    /** Computes a proof. */
    public static Bytes32 compute(byte[] secret, String label, int version, Bytes32 clientNonce,
                                  Bytes32 serverNonce, String keyId) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("empty secret");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.US_ASCII));
            mac.update(ByteBuffer.allocate(2).putShort(0, (short) version));
            mac.update(clientNonce.toArray());
            mac.update(serverNonce.toArray());
            mac.update(keyId.getBytes(StandardCharsets.UTF_8));
            return Bytes32.of(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time comparison. */
    public static boolean matches(Bytes32 expected, Bytes32 actual) {
        return MessageDigest.isEqual(expected.toArray(), actual.toArray());
    }
}
