package dev.delta.engine.store;

import java.io.IOException;

/** A release store operation that cannot proceed: a bad manifest, a damaged layout, a held lock. */
public class StoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
