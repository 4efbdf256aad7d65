package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 key pairs for signing manifests, and their files: PEM-armoured PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}) and X.509 SubjectPublicKeyInfo
 * ({@code -----BEGIN PUBLIC KEY-----}), the forms {@code openssl pkey} reads and writes. Private
 * key files are created with mode 0600 and never overwritten.
 */
public final class KeyFiles {
    /** The JDK's name for the algorithm. */
    public static final String ALGORITHM = "Ed25519";

    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";

    private KeyFiles() {
    }

    /** A new Ed25519 key pair from the JDK's default secure random source. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 (needs Java 15 or later)", e);
        }
    }

    /** The key's fingerprint: SHA-256 of its X.509 encoding, as 64 hex digits. */
    public static String fingerprint(PublicKey key) {
        return Sha256.hex(Sha256.of(key.getEncoded()));
    }

    /**
     * Writes {@code key} as a PKCS#8 PEM file created with mode 0600 (owner read/write only, where
     * the file system has POSIX permissions).
     *
     * @throws FileAlreadyExistsException if {@code file} exists: a key is never overwritten
     */
    public static void writePrivateKey(PrivateKey key, Path file) throws IOException {
        requireEd25519(key.getAlgorithm(), "private");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            createNew(file, () -> Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
        } else {
            createNew(file, () -> Files.createFile(file));
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(pem(PRIVATE_LABEL, key.getEncoded()));
        } catch (IOException e) {
            Files.deleteIfExists(file); // leave no empty key file behind
            throw e;
        }
    }

    /** Writes {@code key} as an X.509 PEM file; refuses to overwrite an existing file. */
    public static void writePublicKey(PublicKey key, Path file) throws IOException {
        requireEd25519(key.getAlgorithm(), "public");
        createNew(file, () -> Files.createFile(file));
        Files.write(file, pem(PUBLIC_LABEL, key.getEncoded()), StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Reads an Ed25519 private key from a PKCS#8 PEM file. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = unpem(file, PRIVATE_LABEL);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyFileException(file, "not an Ed25519 PKCS#8 private key (" + e.getMessage() + ")", e);
        }
    }

    /** Reads an Ed25519 public key from an X.509 PEM file. */
    public static PublicKey readPublicKey(Path file) throws IOException {
        byte[] der = unpem(file, PUBLIC_LABEL);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyFileException(file, "not an Ed25519 X.509 public key (" + e.getMessage() + ")", e);
        }
    }

    private interface Create {
        void run() throws IOException;
    }

    private static void createNew(Path file, Create create) throws IOException {
        try {
            create.run();
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null,
                    "refusing to overwrite an existing key file");
        }
    }

    private static void requireEd25519(String algorithm, String kind) {
        if (!ALGORITHM.equalsIgnoreCase(algorithm) && !"EdDSA".equalsIgnoreCase(algorithm)) {
            throw new IllegalArgumentException("expected an Ed25519 " + kind + " key, got " + algorithm);
        }
    }

    private static byte[] pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The DER bytes of the one PEM block in {@code file}, which must carry {@code label}. */
    private static byte[] unpem(Path file, String label) throws IOException {
        byte[] raw;
        try {
            if (Files.size(file) > 64 * 1024) {
                throw new KeyFileException(file, "larger than 64 KiB, not a key");
            }
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(file, "does not exist", e);
        }
        String text = new String(raw, StandardCharsets.US_ASCII).replace("\r\n", "\n").strip();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        if (!text.startsWith("-----BEGIN ")) {
            throw new KeyFileException(file, "not PEM: expected a line '" + begin + "'");
        }
        if (!text.startsWith(begin + "\n")) {
            String found = text.substring(0, Math.min(text.indexOf('\n') < 0 ? text.length() : text.indexOf('\n'),
                    80));
            throw new KeyFileException(file, "expected '" + begin + "', found '" + found + "'");
        }
        if (!text.endsWith("\n" + end)) {
            throw new KeyFileException(file, "truncated PEM: no '" + end + "' line at the end");
        }
        String body = text.substring(begin.length() + 1, text.length() - end.length() - 1);
        try {
            return Base64.getDecoder().decode(body.replace("\n", ""));
        } catch (IllegalArgumentException e) {
            throw new KeyFileException(file, "PEM body is not base64: " + e.getMessage(), e);
        }
    }
}
