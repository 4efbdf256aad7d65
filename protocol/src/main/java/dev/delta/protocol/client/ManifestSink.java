package dev.delta.protocol.client;

import java.nio.ByteBuffer;

/** Receives a MANIFEST stream: the header once, then the bytes in order. I/O thread, like {@link RangeHandler}. */
public interface ManifestSink {
    /** The stream's header, before any byte. */
    void begin(ManifestHeader header) throws Exception;

    /** The next bytes, valid only during the call. */
    void part(ByteBuffer bytes) throws Exception;
}
