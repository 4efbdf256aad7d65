package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestSignerTest {
    @TempDir
    Path dir;

    private final ManifestCodec codec = new ManifestCodec();

    @Test
    void signThenVerify_throughKeyAndSignatureFiles_accepts() throws Exception {
        KeyPair keys = KeyFiles.generate();
        KeyFiles.writePrivateKey(keys.getPrivate(), dir.resolve("origin.key"));
        KeyFiles.writePublicKey(keys.getPublic(), dir.resolve("origin.pub"));
        PrivateKey priv = KeyFiles.readPrivateKey(dir.resolve("origin.key"));
        PublicKey pub = KeyFiles.readPublicKey(dir.resolve("origin.pub"));
        assertArrayEquals(keys.getPrivate().getEncoded(), priv.getEncoded());
        assertArrayEquals(keys.getPublic().getEncoded(), pub.getEncoded());

        byte[] manifest = codec.encode(RandomManifests.small());
        ManifestSigner.sign(ManifestCodec.rootDigest(manifest), new KeyPair(pub, priv)).write(dir.resolve("m.sig"));
        ManifestSignature sig = ManifestSignature.read(dir.resolve("m.sig"));

        ManifestSigner.verify(sig, manifest, 0, manifest.length, pub);
        ManifestSigner.verify(sig, codec.rootDigest(RandomManifests.small()), pub);
        assertEquals(KeyFiles.fingerprint(pub), sig.keyFingerprint());
        assertEquals(Sha256.hex(Sha256.of(pub.getEncoded())), sig.keyFingerprint());
    }

    @Test
    void signatureFile_hasDocumentedLayout() throws Exception {
        KeyPair keys = KeyFiles.generate();
        byte[] digest = codec.rootDigest(RandomManifests.small());
        String[] lines = ManifestSigner.sign(digest, keys).toText().split("\n");

        assertEquals(5, lines.length);
        assertEquals("delta-signature v1", lines[0]);
        assertEquals("algorithm: Ed25519", lines[1]);
        assertEquals("key: " + KeyFiles.fingerprint(keys.getPublic()), lines[2]);
        assertEquals("root-digest: " + ManifestCodecTest.SMALL_ROOT_DIGEST, lines[3]);
        assertEquals(64, Base64.getDecoder().decode(lines[4].substring("signature: ".length())).length);
    }

    @Test
    void verify_tamperedManifest_rejectedNamingBothDigests() throws Exception {
        KeyPair keys = KeyFiles.generate();
        byte[] manifest = codec.encode(RandomManifests.small());
        ManifestSignature sig = ManifestSigner.sign(ManifestCodec.rootDigest(manifest), keys);
        manifest[60] ^= 1;

        ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                () -> ManifestSigner.verify(sig, manifest, 0, manifest.length, keys.getPublic()));
        assertTrue(e.getMessage().contains("the manifest was changed after signing"), e.getMessage());
        assertTrue(e.getMessage().contains(ManifestCodecTest.SMALL_ROOT_DIGEST), e.getMessage());
    }

    @Test
    void verify_wrongKey_rejectedNamingBothKeys() throws Exception {
        KeyPair signer = KeyFiles.generate();
        KeyPair other = KeyFiles.generate();
        byte[] digest = codec.rootDigest(RandomManifests.small());
        ManifestSignature sig = ManifestSigner.sign(digest, signer);

        ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                () -> ManifestSigner.verify(sig, digest, other.getPublic()));
        assertEquals("wrong key: the signature was made by key " + KeyFiles.fingerprint(signer.getPublic())
                + ", not by the trusted key " + KeyFiles.fingerprint(other.getPublic()), e.getMessage());
    }

    @Test
    void verify_signatureForgedUnderTrustedFingerprint_rejected() throws Exception {
        KeyPair signer = KeyFiles.generate();
        KeyPair attacker = KeyFiles.generate();
        byte[] digest = codec.rootDigest(RandomManifests.small());
        ManifestSignature forged = new ManifestSignature(KeyFiles.fingerprint(signer.getPublic()), digest,
                ManifestSigner.sign(digest, attacker).signature());

        ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                () -> ManifestSigner.verify(forged, digest, signer.getPublic()));
        assertTrue(e.getMessage().startsWith("bad signature: "), e.getMessage());
    }

    @Test
    void verify_signatureFileWithAnotherDigest_rejected() throws Exception {
        KeyPair keys = KeyFiles.generate();
        byte[] digest = codec.rootDigest(RandomManifests.small());
        String text = ManifestSigner.sign(digest, keys).toText()
                .replace(Sha256.hex(digest), Sha256.hex(codec.rootDigest(RandomManifests.random(1))));
        ManifestSignature edited = ManifestSignature.parse(text);

        // Claiming the other manifest's digest, it now fails the signature check for that manifest.
        ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                () -> ManifestSigner.verify(edited, codec.rootDigest(RandomManifests.random(1)), keys.getPublic()));
        assertTrue(e.getMessage().startsWith("bad signature: "), e.getMessage());
    }

    @Test
    void read_truncatedSignatureFile_rejectedWithLine() throws Exception {
        String text = ManifestSigner.sign(codec.rootDigest(RandomManifests.small()), KeyFiles.generate()).toText();
        Path file = dir.resolve("cut.sig");

        Files.writeString(file, text.substring(0, text.indexOf("root-digest")));
        ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                () -> ManifestSignature.read(file));
        assertEquals("signature file " + file + ": truncated: ends after line 3, expected 'root-digest: …' on line 4",
                e.getMessage());

        Files.writeString(file, text.substring(0, text.length() - 20) + "\n");
        e = assertThrows(ManifestSignatureException.class, () -> ManifestSignature.read(file));
        assertTrue(e.getMessage().contains("signature "), e.getMessage());

        Files.writeString(file, text.substring(0, text.length() - 1));
        e = assertThrows(ManifestSignatureException.class, () -> ManifestSignature.read(file));
        assertTrue(e.getMessage().endsWith("truncated: the last line has no newline"), e.getMessage());
    }

    @Test
    void parse_malformedSignatureFiles_rejectedWithReason() throws Exception {
        String good = ManifestSigner.sign(codec.rootDigest(RandomManifests.small()), KeyFiles.generate()).toText();
        assertEquals(ManifestSignature.parse(good).toText(), good);
        String[][] cases = {
            {"", "line 1 must be 'delta-signature v1'"},
            {good.replace("v1", "v2"), "line 1 must be 'delta-signature v1'"},
            {good.replace("Ed25519", "RSA"), "unsupported algorithm 'RSA'"},
            {good.replace("key: ", "kee: "), "line 3 must start with 'key: '"},
            {good.replace("root-digest: ", "root-digest: 00"), "root-digest must be 64 lower-case hex digits"},
            {good.replace("signature: ", "signature: !"), "signature is not base64"},
            {good + "extra\n", "unexpected text after line 5"},
        };
        for (String[] c : cases) {
            ManifestSignatureException e = assertThrows(ManifestSignatureException.class,
                    () -> ManifestSignature.parse(c[0]), c[1]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void writePrivateKey_createsMode0600AndRefusesToOverwrite() throws Exception {
        Path key = dir.resolve("origin.key");
        KeyFiles.writePrivateKey(KeyFiles.generate().getPrivate(), key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"));

        byte[] before = Files.readAllBytes(key);
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> KeyFiles.writePrivateKey(KeyFiles.generate().getPrivate(), key));
        assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(key));
    }

    @Test
    void readKeys_malformedFiles_rejectedWithReason() throws Exception {
        KeyPair keys = KeyFiles.generate();
        Path pub = dir.resolve("k.pub");
        KeyFiles.writePublicKey(keys.getPublic(), pub);
        String pem = Files.readString(pub);
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n"));

        assertKeyFileError(() -> KeyFiles.readPrivateKey(pub), "expected '-----BEGIN PRIVATE KEY-----', found "
                + "'-----BEGIN PUBLIC KEY-----'");
        Path bad = dir.resolve("bad.pub");
        Files.writeString(bad, "hello", StandardCharsets.US_ASCII);
        assertKeyFileError(() -> KeyFiles.readPublicKey(bad), "not PEM");
        Files.writeString(bad, pem.substring(0, pem.length() - 10));
        assertKeyFileError(() -> KeyFiles.readPublicKey(bad), "truncated PEM");
        Files.writeString(bad, pem.replace("MC", "M*"));
        assertKeyFileError(() -> KeyFiles.readPublicKey(bad), "not base64");
        Files.writeString(bad, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        assertKeyFileError(() -> KeyFiles.readPublicKey(bad), "not an Ed25519 X.509 public key");
        assertKeyFileError(() -> KeyFiles.readPublicKey(dir.resolve("missing.pub")), "does not exist");
    }

    private interface Read {
        Object run() throws IOException;
    }

    private static void assertKeyFileError(Read read, String phrase) {
        KeyFileException e = assertThrows(KeyFileException.class, read::run);
        assertTrue(e.getMessage().contains(phrase), e.getMessage());
    }
}
