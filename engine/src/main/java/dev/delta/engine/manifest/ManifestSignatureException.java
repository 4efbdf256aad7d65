package dev.delta.engine.manifest;

import java.security.GeneralSecurityException;

/**
 * A manifest signature that must not be trusted: malformed, made by another key, made for another
 * root digest (the manifest changed), or not verifying. The message says which.
 */
public final class ManifestSignatureException extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    public ManifestSignatureException(String message) {
        super(message);
    }

    public ManifestSignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
