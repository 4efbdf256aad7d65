package dev.delta.engine.store;

/** Bytes that arrived for a range do not hash to the chunk ids the manifest names: refetch them. */
public final class ChunkMismatchException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient FetchRange range;

    public ChunkMismatchException(FetchRange range, String message) {
        super(message);
        this.range = range;
    }

    /** The range whose bytes were rejected; nothing of it was written. */
    public FetchRange range() {
        return range;
    }
}
