package dev.delta.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The leak hook works: a buffer dropped without release is reported, so the other suites would fail on one. */
class LeakCheckTest {
    @Test
    @Timeout(20)
    void droppedBuffer_isReported() throws InterruptedException {
        leakOne();
        List<String> leaks = List.of();
        for (int i = 0; i < 20 && leaks.isEmpty(); i++) {
            LeakCheck.collect();
            leaks = LeakCheck.takeLeaks();
        }
        assertFalse(leaks.isEmpty(), "the detector should have reported the dropped buffer");
        assertTrue(leaks.get(0).startsWith("LEAK"), leaks.get(0));
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        b.writeLong(42);
    }
}
