package dev.delta.protocol.server;

import dev.delta.protocol.wire.ErrorCode;

import java.util.Optional;

/**
 * What the server asks of the node. Every method may refuse with a {@link DatasetException}
 * whose code goes to the peer. Except {@link #subscribe} listeners, all calls happen on the
 * connection's I/O thread: keep them quick.
 */
public interface DatasetService {
    /** The shared secret of a key id, or empty if the key is unknown. */
    Optional<byte[]> secret(String keyId);

    /** Whether an authenticated key may read a dataset. */
    default boolean authorize(String keyId, String dataset) {
        return true;
    }

    /**
     * Opens the encoded manifest of {@code version} (0 = latest). When {@code haveVersion} is not
     * 0 and the node can, it returns a DELTA against that version instead of the FULL manifest.
     */
    ManifestStream openManifest(String dataset, long version, long haveVersion) throws DatasetException;

    /** Opens one file of one version for range reads. */
    RangeSource openFile(String dataset, long version, String path) throws DatasetException;

    /**
     * Opens a file a GET_RANGES names as its reference: only {@link RangeSource#read} is used, a
     * window at a time (a node can skip what it prepares for serving, such as packed copies).
     */
    default RangeSource openReference(String dataset, long version, String path) throws DatasetException {
        return openFile(dataset, version, path);
    }

    /**
     * Opens several whole files of one version as one source (GET_FILES, protocol version 3): the
     * files' contents one after the other, in the order given, {@code files} being positions in
     * the version's manifest as the node defines it. A source may offer a precompressed block of
     * the whole (a group of small files compressed together once). A node that keeps no such
     * order refuses.
     */
    default RangeSource openFiles(String dataset, long version, int[] files) throws DatasetException {
        throw new DatasetException(ErrorCode.NOT_FOUND, "this node does not serve files by index");
    }

    /**
     * Starts sending new versions of a dataset to {@code listener}; the current version should
     * be announced at once.
     *
     * @return closes the subscription
     */
    AutoCloseable subscribe(String dataset, AnnounceListener listener) throws DatasetException;
}
