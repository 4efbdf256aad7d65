package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * A detached Ed25519 signature of a manifest's root digest, and its file form: UTF-8 text, one
 * {@code name: value} field a line, in this order, each line ending in LF.
 *
 * <pre>
 * delta-signature v1
 * algorithm: Ed25519
 * key: 3f1c…(64 hex: SHA-256 of the signer's X.509 public key encoding)
 * root-digest: 47aa…(64 hex: SHA-256 of the manifest's canonical encoding)
 * signature: (base64 of the 64-byte Ed25519 signature of "delta-signature v1\0" + root digest)
 * </pre>
 *
 * Immutable; accessors return copies.
 */
public final class ManifestSignature {
    /** First line of the file, and the domain-separation prefix of the signed message. */
    public static final String MAGIC_LINE = "delta-signature v1";
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 64;
    private static final int MAX_FILE_BYTES = 4096;
    private static final String[] FIELDS = {"algorithm", "key", "root-digest", "signature"};

    private final String keyFingerprint;
    private final byte[] rootDigest;
    private final byte[] signature;

    /**
     * @param keyFingerprint {@link KeyFiles#fingerprint} of the signing key, 64 lower-case hex digits
     * @param rootDigest     the signed root digest, 32 bytes
     * @param signature      the Ed25519 signature, 64 bytes
     */
    public ManifestSignature(String keyFingerprint, byte[] rootDigest, byte[] signature) {
        if (keyFingerprint == null || !keyFingerprint.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("key fingerprint must be 64 lower-case hex digits, got "
                    + ManifestPath.quote(keyFingerprint));
        }
        if (rootDigest == null || rootDigest.length != Sha256.BYTES) {
            throw new IllegalArgumentException("root digest must be 32 bytes");
        }
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            throw new IllegalArgumentException("Ed25519 signature must be 64 bytes, got "
                    + (signature == null ? "none" : signature.length));
        }
        this.keyFingerprint = keyFingerprint;
        this.rootDigest = rootDigest.clone();
        this.signature = signature.clone();
    }

    public String keyFingerprint() {
        return keyFingerprint;
    }

    public byte[] rootDigest() {
        return rootDigest.clone();
    }

    public byte[] signature() {
        return signature.clone();
    }

    /** The file form. */
    public String toText() {
        return MAGIC_LINE + "\n"
                + "algorithm: " + KeyFiles.ALGORITHM + "\n"
                + "key: " + keyFingerprint + "\n"
                + "root-digest: " + Sha256.hex(rootDigest) + "\n"
                + "signature: " + Base64.getEncoder().encodeToString(signature) + "\n";
    }

    /** Writes the file form to {@code file}, replacing any previous signature there. */
    public void write(Path file) throws IOException {
        Files.writeString(file, toText(), StandardCharsets.UTF_8);
    }

    /** Reads a signature file; a malformed one is a {@link ManifestSignatureException} naming the line. */
    public static ManifestSignature read(Path file) throws IOException, ManifestSignatureException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new ManifestSignatureException("signature file " + file + " is larger than " + MAX_FILE_BYTES
                    + " bytes, not a Delta signature");
        }
        byte[] raw = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new ManifestSignatureException("signature file " + file + " is not UTF-8 text", e);
        }
        try {
            return parse(text);
        } catch (ManifestSignatureException e) {
            throw new ManifestSignatureException("signature file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the file form strictly: exact first line, the four fields in order, nothing else. */
    public static ManifestSignature parse(String text) throws ManifestSignatureException {
        String[] lines = text.split("\n", -1);
        if (!lines[0].equals(MAGIC_LINE)) {
            throw new ManifestSignatureException("line 1 must be '" + MAGIC_LINE + "', found "
                    + ManifestPath.quote(lines[0]));
        }
        String[] values = new String[FIELDS.length];
        for (int i = 0; i < FIELDS.length; i++) {
            int line = i + 1;
            if (line >= lines.length || (line == lines.length - 1 && lines[line].isEmpty())) {
                throw new ManifestSignatureException("truncated: ends after line " + line + ", expected '"
                        + FIELDS[i] + ": …' on line " + (line + 1));
            }
            String prefix = FIELDS[i] + ": ";
            if (!lines[line].startsWith(prefix)) {
                throw new ManifestSignatureException("line " + (line + 1) + " must start with '" + prefix
                        + "', found " + ManifestPath.quote(lines[line]));
            }
            values[i] = lines[line].substring(prefix.length());
        }
        int end = FIELDS.length + 1;
        if (end >= lines.length || !lines[end].isEmpty() || lines.length > end + 1) {
            throw new ManifestSignatureException(end >= lines.length ? "truncated: the last line has no newline"
                    : "unexpected text after line " + end);
        }
        if (!values[0].equals(KeyFiles.ALGORITHM)) {
            throw new ManifestSignatureException("unsupported algorithm " + ManifestPath.quote(values[0])
                    + " (only " + KeyFiles.ALGORITHM + ")");
        }
        if (!values[1].matches("[0-9a-f]{64}")) {
            throw new ManifestSignatureException("key must be 64 lower-case hex digits, found "
                    + ManifestPath.quote(values[1]));
        }
        if (!values[2].matches("[0-9a-f]{64}")) {
            throw new ManifestSignatureException("root-digest must be 64 lower-case hex digits, found "
                    + ManifestPath.quote(values[2]));
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(values[3]);
        } catch (IllegalArgumentException e) {
            throw new ManifestSignatureException("signature is not base64: " + e.getMessage(), e);
        }
        if (sig.length != SIGNATURE_BYTES) {
            throw new ManifestSignatureException("signature must be " + SIGNATURE_BYTES + " bytes, found "
                    + sig.length + " (truncated?)");
        }
        return new ManifestSignature(values[1], Sha256.fromHex(values[2]), sig);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManifestSignature && ((ManifestSignature) o).keyFingerprint.equals(keyFingerprint)
                && Arrays.equals(((ManifestSignature) o).rootDigest, rootDigest)
                && Arrays.equals(((ManifestSignature) o).signature, signature);
    }

    @Override
    public int hashCode() {
        return keyFingerprint.hashCode() * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "ManifestSignature[key " + keyFingerprint.substring(0, 16) + "…, root " + Sha256.hex(rootDigest) + "]";
    }
}
