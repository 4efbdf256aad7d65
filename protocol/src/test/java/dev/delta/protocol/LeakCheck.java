package dev.delta.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class if Netty reports a buffer leak while it ran. Registered for every test class
 * (extension auto-detection); installs a leak detector factory that records reports instead of
 * only logging them, at PARANOID level.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    /** Leaks reported so far and not yet taken. */
    public static synchronized List<String> takeLeaks() {
        List<String> copy = new ArrayList<>(LEAKS);
        LEAKS.clear();
        return copy;
    }

    static synchronized void record(String leak) {
        LEAKS.add(leak);
    }

    /** Runs GC and allocates a few buffers so that the detector reports collected leaks now. */
    public static void collect() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            for (int j = 0; j < 4; j++) {
                ByteBuf a = UnpooledByteBufAllocator.DEFAULT.buffer(8);
                a.release();
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                b.release();
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        takeLeaks();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        collect();
        List<String> leaks = takeLeaks();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " buffer leak(s) in " + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> type, int samplingInterval) {
            super(type, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK " + resourceType + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK " + resourceType + " (untraced)");
        }
    }
}
