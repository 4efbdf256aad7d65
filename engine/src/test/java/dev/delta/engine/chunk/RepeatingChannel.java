package dev.delta.engine.chunk;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/** A channel that repeats a pattern up to a given length: large inputs without large arrays. */
final class RepeatingChannel implements ReadableByteChannel {
    private final byte[] pattern;
    private final long size;
    private long pos;

    RepeatingChannel(byte[] pattern, long size) {
        this.pattern = pattern;
        this.size = size;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (pos == size) {
            return -1;
        }
        int at = (int) (pos % pattern.length);
        int n = (int) Math.min(Math.min(dst.remaining(), pattern.length - at), size - pos);
        dst.put(pattern, at, n);
        pos += n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
