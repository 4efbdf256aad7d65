package dev.delta.engine.patch;

/** A reference patch that is malformed or does not produce the piece it was sent for. */
public final class PatchFormatException extends Exception {
    public PatchFormatException(String message) {
        super(message);
    }
}
