package dev.delta.protocol.server;

import java.nio.ByteBuffer;

/** A source over a byte array, read (not viewed) like a file; tests override the rest. */
public class BytesSource implements RangeSource {
    protected final byte[] data;

    public BytesSource(byte[] data) {
        this.data = data;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        int n = (int) Math.min(dst.remaining(), data.length - offset);
        dst.put(data, (int) offset, n);
        return n;
    }
}
