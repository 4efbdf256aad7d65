package dev.delta.protocol.client;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The client's copy of a request's reference file (see {@link dev.delta.protocol.wire.RangeReference}):
 * asked for a range's window when the first patch of that range arrives, on the connection's I/O
 * thread, and closed when the request ends either way.
 */
public interface ReferenceReader extends AutoCloseable {
    /**
     * Exactly {@code length} bytes of the reference at {@code offset}. A copy that has become
     * shorter may return anything of the right length (zeros, say): the chunks built from it
     * then fail their ids and are fetched again without a reference. The buffer may be the
     * reader's own, overwritten by its next read: the client uses a window only until it asks for
     * the next one, and never after {@link #close}.
     */
    ByteBuffer read(long offset, int length) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
