package dev.delta.protocol.client;

import java.nio.ByteBuffer;

/** A {@link ManifestSink} that gathers the stream into one array, sized from the header. */
final class ManifestCollector implements ManifestSink {
    private byte[] bytes;
    private int filled;

    @Override
    public void begin(ManifestHeader header) throws DeltaException {
        if (header.length() > Integer.MAX_VALUE - 16) {
            throw new DeltaException(ErrorKind.LIMIT_EXCEEDED, "manifest of " + header.length()
                    + " bytes does not fit in memory; stream it instead");
        }
        bytes = new byte[(int) header.length()];
    }

    @Override
    public void part(ByteBuffer data) {
        int n = data.remaining();
        data.get(bytes, filled, n);
        filled += n;
    }

    byte[] bytes() {
        return bytes;
    }
}
