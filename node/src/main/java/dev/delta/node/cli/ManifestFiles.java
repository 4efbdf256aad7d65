package dev.delta.node.cli;

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

/** Reads and writes manifest files for the CLI: errors name the file, writes are atomic. */
final class ManifestFiles {
    private ManifestFiles() {
    }

    /** A decoded manifest with the root digest of the bytes it came from. */
    record Loaded(Manifest manifest, byte[] rootDigest, long encodedBytes) {
    }

    static Loaded read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a manifest file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException(file + ": manifest file too large (" + size + " bytes)");
            }
            bytes = in.readAllBytes();
        }
        try {
            Manifest m = new ManifestCodec().decode(bytes);
            return new Loaded(m, ManifestCodec.rootDigest(bytes), bytes.length);
        } catch (ManifestFormatException e) {
            throw new ManifestFormatException(e.offset(), file + ": " + e.getMessage());
        }
    }

    /** Encodes {@code m} to a temporary file beside {@code file}, then renames it into place. */
    static long write(Manifest m, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            long n;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                n = new ManifestCodec().encode(m, out);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return n;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
