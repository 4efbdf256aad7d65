package dev.delta.protocol.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.delta.protocol.wire.Limits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Arbitrary, truncated and bit-flipped bytes into the inbound codec: the only failures are the
 * codec's own exceptions, and no buffer is ever allocated past the limits. In a plain test run the
 * seed corpus (golden frames, truncations, flips) next to this class is replayed.
 */
class FrameDecoderFuzzTest {
    private static final Limits LIMITS = new Limits(4096, 16384, 64, 256, 1 << 20);

    @FuzzTest(maxDuration = "60s")
    void decode_arbitraryBytes_onlyCodecErrorsAndBoundedAllocation(FuzzedDataProvider in) {
        int chunk = in.consumeInt(1, 64);
        int flipAt = in.consumeInt(-1, 512);
        byte[] data = in.consumeRemainingAsBytes();
        if (flipAt >= 0 && flipAt < data.length * 8) {
            data[flipAt / 8] ^= (byte) (1 << (flipAt % 8));
        }
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new FrameDecoder(LIMITS), new DataDecompressor(LIMITS));
        try {
            for (int off = 0; off < data.length; off += chunk) {
                ByteBuf piece = Unpooled.copiedBuffer(data, off, Math.min(chunk, data.length - off));
                try {
                    ch.writeInbound(piece);
                } catch (DecoderException e) {
                    expectOwn(e);
                }
                for (Object o; (o = ch.readInbound()) != null; ) {
                    ReferenceCountUtil.release(o);
                }
            }
        } finally {
            try {
                ch.finishAndReleaseAll();
            } catch (DecoderException e) {
                expectOwn(e);
            }
        }
        long bound = Math.max(LIMITS.maxDataLength(), (long) data.length + 64);
        assertTrue(alloc.largest <= bound, "allocated " + alloc.largest + " bytes, bound " + bound);
    }

    /** The decoder may only fail with its own exceptions (possibly wrapped by the pipeline). */
    private static void expectOwn(DecoderException e) {
        Throwable c = e.getCause() == null ? e : e.getCause();
        boolean own = e instanceof CorruptedFrameException || e instanceof TooLongFrameException
                || c instanceof CorruptedFrameException || c instanceof TooLongFrameException;
        if (!own) {
            fail("unexpected decoder failure", e);
        }
    }

    /** Remembers the largest buffer asked for; the cumulation may grow up to the input size. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        long largest;

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            largest = Math.max(largest, initialCapacity);
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            largest = Math.max(largest, initialCapacity);
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
