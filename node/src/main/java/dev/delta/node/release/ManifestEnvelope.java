package dev.delta.node.release;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
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
 *  u32 magic 0x44534532 ("DSE2") | u16 signature length | signature text
 *  | u32 body length | the body as one LZ4 block (to the end)
 * </pre>
 *
 * <p>{@link #encode} compresses the body (LZ4 HC) when that saves at least a sixteenth: paths
 * repeat their directories, so a full manifest shrinks by about a quarter and a delta by a third,
 * though chunk ids and digests do not compress. The declared body length is checked against a
 * limit, and against what LZ4 can expand the block to, before anything is allocated.
 *
 * @param signature the origin's signature of the target's root digest, or null
 * @param body      the encoded manifest (FULL) or manifest delta (DELTA)
 */
public record ManifestEnvelope(ManifestSignature signature, byte[] body) {
    public static final int MAGIC = 0x44534531;
    public static final int MAGIC_COMPRESSED = 0x44534532;
    /** Largest body a received envelope may declare (a manifest stream is capped at this too). */
    public static final int MAX_BODY = 1 << 30;
    private static final int HEADER = 6;
    /** Bodies shorter than this are sent as they are. */
    static final int COMPRESS_FROM = 512;
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    /** The payload, its body compressed when that pays (see the class comment). */
    public byte[] encode() {
        return encode(true);
    }

    /** The payload; {@code compress} false always writes the plain form. */
    public byte[] encode(boolean compress) {
        byte[] sig = signature == null ? new byte[0] : signature.toText().getBytes(StandardCharsets.UTF_8);
        if (sig.length > 0xffff) {
            throw new IllegalArgumentException("signature text too long: " + sig.length);
        }
        if (compress && body.length >= COMPRESS_FROM) {
            LZ4Compressor hc = LZ4.highCompressor();
            byte[] packed = new byte[hc.maxCompressedLength(body.length)];
            int n = hc.compress(body, 0, body.length, packed, 0, packed.length);
            if (n + 4 <= body.length - body.length / 16) {
                ByteBuffer b = ByteBuffer.allocate(HEADER + sig.length + 4 + n);
                b.putInt(MAGIC_COMPRESSED).putShort((short) sig.length).put(sig).putInt(body.length).put(packed, 0, n);
                return b.array();
            }
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + sig.length + body.length);
        b.putInt(MAGIC).putShort((short) sig.length).put(sig).put(body);
        return b.array();
    }

    /** Splits a received payload; a malformed signature is reported, not ignored. */
    public static ManifestEnvelope decode(byte[] payload) throws ManifestFormatException {
        int magic = payload.length < HEADER ? 0 : ByteBuffer.wrap(payload).getInt();
        if (magic != MAGIC && magic != MAGIC_COMPRESSED) {
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
        int at = HEADER + sigLen;
        if (magic == MAGIC) {
            return new ManifestEnvelope(sig, Arrays.copyOfRange(payload, at, payload.length));
        }
        if (payload.length - at < 5) {
            throw new ManifestFormatException(at, "compressed manifest envelope ends before its body");
        }
        long rawLength = ByteBuffer.wrap(payload).getInt(at) & 0xffffffffL;
        int blockLength = payload.length - at - 4;
        // LZ4 expands a block at most ~255-fold; a small payload cannot make us allocate much.
        if (rawLength == 0 || rawLength > MAX_BODY || rawLength > 255L * blockLength + 64) {
            throw new ManifestFormatException(at, "compressed manifest envelope declares a body of " + rawLength
                    + " bytes from a " + blockLength + "-byte block");
        }
        byte[] raw = new byte[(int) rawLength];
        try {
            int n = LZ4.safeDecompressor().decompress(payload, at + 4, blockLength, raw, 0, raw.length);
            if (n != raw.length) {
                throw new ManifestFormatException(at + 4, "compressed manifest body expands to " + n
                        + " bytes, not the declared " + rawLength);
            }
        } catch (LZ4Exception e) {
            throw new ManifestFormatException(at + 4, "compressed manifest body is corrupt: " + e.getMessage());
        }
        return new ManifestEnvelope(sig, raw);
    }
}
