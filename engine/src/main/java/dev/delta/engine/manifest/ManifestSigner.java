package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;

/**
 * Signs and verifies manifests with Ed25519 (from the JDK). What is signed is the root digest
 * (SHA-256 of the canonical encoding) behind a domain-separation prefix:
 * {@code "delta-signature v1" 0x00 rootDigest}, so a Delta signature can never be replayed as a
 * signature of anything else. Verification checks, in order: that the signature names the trusted
 * key, that it is for this manifest's root digest, and that the Ed25519 signature holds.
 */
public final class ManifestSigner {
    private static final byte[] PREFIX = (ManifestSignature.MAGIC_LINE + "\0").getBytes(StandardCharsets.US_ASCII);

    private ManifestSigner() {
    }

    /** Signs the manifest with root digest {@code rootDigest}. */
    public static ManifestSignature sign(byte[] rootDigest, KeyPair keys) {
        requireDigest(rootDigest);
        try {
            Signature s = Signature.getInstance(KeyFiles.ALGORITHM);
            s.initSign(keys.getPrivate());
            s.update(message(rootDigest));
            byte[] sig = s.sign();
            if (!check(rootDigest, sig, keys.getPublic())) {
                throw new IllegalArgumentException("the private key does not belong to public key "
                        + KeyFiles.fingerprint(keys.getPublic()));
            }
            return new ManifestSignature(KeyFiles.fingerprint(keys.getPublic()), rootDigest, sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    /** Signs {@code m}, computing its root digest. */
    public static ManifestSignature sign(Manifest m, KeyPair keys) {
        return sign(new ManifestCodec().rootDigest(m), keys);
    }

    /**
     * Accepts {@code sig} only if it was made by {@code trusted} for a manifest whose root digest is
     * {@code rootDigest}; otherwise says which check failed.
     */
    public static void verify(ManifestSignature sig, byte[] rootDigest, PublicKey trusted)
            throws ManifestSignatureException {
        requireDigest(rootDigest);
        String fingerprint = KeyFiles.fingerprint(trusted);
        if (!fingerprint.equals(sig.keyFingerprint())) {
            throw new ManifestSignatureException("wrong key: the signature was made by key " + sig.keyFingerprint()
                    + ", not by the trusted key " + fingerprint);
        }
        if (!MessageDigest.isEqual(sig.rootDigest(), rootDigest)) {
            throw new ManifestSignatureException("the signature is for root digest " + Sha256.hex(sig.rootDigest())
                    + " but this manifest's root digest is " + Sha256.hex(rootDigest)
                    + ": the manifest was changed after signing, or it is another version");
        }
        boolean ok;
        try {
            ok = check(rootDigest, sig.signature(), trusted);
        } catch (GeneralSecurityException e) {
            throw new ManifestSignatureException("cannot verify with key " + fingerprint + ": " + e.getMessage(), e);
        }
        if (!ok) {
            throw new ManifestSignatureException("bad signature: the Ed25519 signature of root digest "
                    + Sha256.hex(rootDigest) + " does not verify with key " + fingerprint
                    + " (the signature file was altered)");
        }
    }

    /** Verifies {@code sig} against the encoding of a manifest as it was received. */
    public static void verify(ManifestSignature sig, byte[] encodedManifest, int off, int len, PublicKey trusted)
            throws ManifestSignatureException {
        verify(sig, Sha256.of(encodedManifest, off, len), trusted);
    }

    private static boolean check(byte[] rootDigest, byte[] sig, PublicKey key) throws GeneralSecurityException {
        Signature s = Signature.getInstance(KeyFiles.ALGORITHM);
        s.initVerify(key);
        s.update(message(rootDigest));
        return s.verify(sig);
    }

    private static byte[] message(byte[] rootDigest) {
        byte[] m = new byte[PREFIX.length + rootDigest.length];
        System.arraycopy(PREFIX, 0, m, 0, PREFIX.length);
        System.arraycopy(rootDigest, 0, m, PREFIX.length, rootDigest.length);
        return m;
    }

    private static void requireDigest(byte[] rootDigest) {
        if (rootDigest == null || rootDigest.length != Sha256.BYTES) {
            throw new IllegalArgumentException("a root digest is 32 bytes (SHA-256)");
        }
    }
}
