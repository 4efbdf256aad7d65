package dev.delta.protocol.wire;

/** What a MANIFEST stream carries; the bytes themselves are opaque to the protocol. */
public enum ManifestKind {
    /** A complete encoded manifest. */
    FULL(1),
    /** Only the entries that differ from the version the requester holds. */
    DELTA(2);

    private final int code;

    ManifestKind(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The kind for a wire code, or null if unknown. */
    public static ManifestKind fromCode(int code) {
        return code == 1 ? FULL : code == 2 ? DELTA : null;
    }
}
