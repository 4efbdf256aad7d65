package dev.delta.protocol.client;

import java.nio.ByteBuffer;

/**
 * A {@link ManifestSink} that gathers the stream into one array. The array grows as parts arrive,
 * up to the length the header declares: an upstream that declares a gigabyte and sends nothing
 * more costs no gigabyte (the request's own check stops parts beyond the declared length).
 */
final class ManifestCollector implements ManifestSink {
    /** What is allocated before any part has arrived. */
    private static final int FIRST = 64 << 10;
    private byte[] bytes;
    private int filled;
    private int declared;

    @Override
    public void begin(ManifestHeader header) throws DeltaException {
        if (header.length() > Integer.MAX_VALUE - 16) {
            throw new DeltaException(ErrorKind.LIMIT_EXCEEDED, "manifest of " + header.length()
                    + " bytes does not fit in memory; stream it instead");
        }
        declared = (int) header.length();
        bytes = new byte[Math.min(declared, FIRST)];
    }

    @Override
    public void part(ByteBuffer data) {
        int n = data.remaining();
        if (filled + n > bytes.length) { // never beyond the declared length: the request refuses more
            long doubled = Math.min((long) bytes.length * 2, declared);
            bytes = java.util.Arrays.copyOf(bytes, (int) Math.max(doubled, (long) filled + n));
        }
        data.get(bytes, filled, n);
        filled += n;
    }

    /** The manifest's bytes: all of them once the stream is complete. */
    byte[] bytes() {
        return bytes.length == filled ? bytes : java.util.Arrays.copyOf(bytes, filled);
    }
}
