package dev.delta.node.cli;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestFormatException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;

/** Reads and writes manifest files for the CLI: errors name the file, writes are atomic. */
final class ManifestFiles {
    private ManifestFiles() {
    }

    /** A decoded manifest with the root digest of the bytes it came from. */
    record Loaded(Manifest manifest, byte[] rootDigest, long encodedBytes) {
    }

    static Loaded read(Path file) throws IOException {
        return read(file, Math.min(dev.delta.engine.manifest.ManifestLimits.DEFAULT.maxManifestBytes(),
                Integer.MAX_VALUE - 16));
    }

    /** {@link #read(Path)} of a file of at most {@code max} bytes. */
    static Loaded read(Path file, long max) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a manifest file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // Read up to the limit, whatever the size says: a pipe or a device reports 0, and
            // /dev/zero would otherwise fill the heap before anything is decoded.
            bytes = in.readNBytes((int) max + 1);
        }
        if (bytes.length > max) {
            throw new ManifestFormatException(max, file + ": longer than a manifest may be (" + max + " bytes)");
        }
        try {
            Manifest m = new ManifestCodec().decode(bytes);
            return new Loaded(m, ManifestCodec.rootDigest(bytes), bytes.length);
        } catch (ManifestFormatException e) {
            throw new ManifestFormatException(e.offset(), file + ": " + e.getMessage());
        }
    }

    /** What {@link #write} wrote: the encoding's length and its root digest (null when not asked for). */
    record Written(long encodedBytes, byte[] rootDigest) {
    }

    /** {@link #write(Manifest, Path, boolean)} with the root digest. */
    static Written write(Manifest m, Path file) throws IOException {
        return write(m, file, true);
    }

    /**
     * Encodes {@code m} to a temporary file beside {@code file}, then renames it into place; the
     * root digest, when {@code digest}, is taken from the same bytes on their way out (one
     * encoding, not two).
     */
    static Written write(Manifest m, Path file, boolean digest) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = newFileBeside(abs);
        try {
            long n;
            MessageDigest md = digest ? Sha256.newDigest() : null;
            OutputStream file0 = Files.newOutputStream(tmp);
            try (OutputStream out = new BufferedOutputStream(md == null ? file0 : new DigestOutputStream(file0, md),
                    1 << 16)) {
                n = new ManifestCodec().encode(m, out);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Written(n, md == null ? null : md.digest());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A new empty file in {@code file}'s directory under a hidden, unused name, created with the
     * process's umask (as any file a command writes), not the owner-only mode of a temporary file:
     * the manifest that is renamed into place from it is meant to be read by others.
     */
    private static Path newFileBeside(Path file) throws IOException {
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; ; attempt++) {
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + Long.toUnsignedString(random.nextLong(), 36)
                    + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }
}
