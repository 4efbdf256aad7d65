package dev.delta.engine.chunk;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.SplittableRandom;

/** A channel over a byte array that returns reads of random, often tiny, lengths. */
final class ShortReadChannel implements ReadableByteChannel {
    private final byte[] data;
    private final SplittableRandom random;
    private final int maxRead;
    private int pos;
    private boolean open = true;

    ShortReadChannel(byte[] data, long seed, int maxRead) {
        this.data = data;
        this.random = new SplittableRandom(seed);
        this.maxRead = maxRead;
    }

    @Override
    public int read(ByteBuffer dst) {
        if (pos == data.length) {
            return -1;
        }
        // A third of the reads are 1..16 bytes, the rest up to maxRead: splits land everywhere.
        int want = random.nextInt(3) == 0 ? 1 + random.nextInt(16) : 1 + random.nextInt(maxRead);
        int n = Math.min(Math.min(want, dst.remaining()), data.length - pos);
        dst.put(data, pos, n);
        pos += n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
