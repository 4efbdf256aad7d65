package dev.delta.engine.manifest;

/** A path that Delta will not accept in a manifest: absolute, not normalized, with {@code ..}, control characters, too long… */
public final class UnsafePathException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String path;

    public UnsafePathException(String path, String reason) {
        super("unsafe path " + ManifestPath.quote(path) + ": " + reason);
        this.path = path;
    }

    /** The offending path, as given. */
    public String path() {
        return path;
    }
}
