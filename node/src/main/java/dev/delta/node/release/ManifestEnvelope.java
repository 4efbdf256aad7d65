package dev.delta.node.release;

import dev.delta.engine.manifest.ManifestFormatException;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSignatureException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a node sends as the payload of a MANIFEST stream: the origin's detached signature (if it
 * signs) followed by the manifest or manifest-delta encoding. The protocol treats it as opaque.
 *
 * <pre>
 *  u32 magic 0x44534531 ("DSE1") | u16 signature length (0 = unsigned) | signature text (UTF-8)
 *  | manifest or delta bytes (to the end)
 * </pre>
 *
 * @param signature the origin's signature of the target's root digest, or null
 * @param body      the encoded manifest (FULL) or manifest delta (DELTA)
 */
public record ManifestEnvelope(ManifestSignature signature, byte[] body) {
    public static final int MAGIC = 0x44534531;
    private static final int HEADER = 6;

    public byte[] encode() {
        byte[] sig = signature == null ? new byte[0] : signature.toText().getBytes(StandardCharsets.UTF_8);
        if (sig.length > 0xffff) {
            throw new IllegalArgumentException("signature text too long: " + sig.length);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + sig.length + body.length);
        b.putInt(MAGIC).putShort((short) sig.length).put(sig).put(body);
        return b.array();
    }

    /** Splits a received payload; a malformed signature is reported, not ignored. */
    public static ManifestEnvelope decode(byte[] payload) throws ManifestFormatException {
        if (payload.length < HEADER || ByteBuffer.wrap(payload).getInt() != MAGIC) {
            throw new ManifestFormatException(0, "manifest payload is not a Delta envelope (bad magic or too short)");
        }
        int sigLen = ByteBuffer.wrap(payload).getShort(4) & 0xffff;
        if (HEADER + sigLen > payload.length) {
            throw new ManifestFormatException(4, "manifest envelope signature length " + sigLen
                    + " exceeds the payload");
        }
        ManifestSignature sig = null;
        if (sigLen > 0) {
            try {
                sig = ManifestSignature.parse(new String(payload, HEADER, sigLen, StandardCharsets.UTF_8));
            } catch (ManifestSignatureException e) {
                throw new ManifestFormatException(HEADER, "manifest envelope carries a malformed signature: "
                        + e.getMessage());
            }
        }
        return new ManifestEnvelope(sig, Arrays.copyOfRange(payload, HEADER + sigLen, payload.length));
    }
}
