package dev.delta.protocol.client;

import java.nio.ByteBuffer;

/**
 * A {@link ManifestSink} that gathers the stream into one array: the declared length at once up
 * to {@link #FIRST}, growing beyond that as parts arrive, up to the length the header declares.
 * An upstream that declares a gigabyte and sends nothing more costs no gigabyte (the request's
 * own check stops parts beyond the declared length). The spec tree's 8.8 MB manifest is one
 * array: grown from 64 KiB by doubling it took 26 MB of copies, at the start of a cold copy, when
 * every young collection also copies the manifest being decoded and the plan being made.
 */
final class ManifestCollector implements ManifestSink {
    /** At most what is allocated before any part has arrived. */
    static final int FIRST = 16 << 20;
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
