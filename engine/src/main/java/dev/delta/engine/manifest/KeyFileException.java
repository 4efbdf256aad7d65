package dev.delta.engine.manifest;

import java.io.IOException;
import java.nio.file.Path;

/** A key file that cannot be used: not PEM, the wrong kind of key, or not Ed25519. Names the file. */
public final class KeyFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyFileException(Path file, String problem) {
        super("key file " + file + ": " + problem);
    }

    public KeyFileException(Path file, String problem, Throwable cause) {
        super("key file " + file + ": " + problem, cause);
    }
}
