package dev.delta.node.edge;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Gives a direct buffer's memory back at once instead of when the collector finds the buffer
 * unreachable: a node's collections of its old generation are rare, and direct buffers dropped
 * there would hold their memory until one ran (or until the direct memory limit forced a full
 * collection). Through {@code sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported},
 * public since Java 9); where that is missing, freeing is left to the collector as before.
 *
 * <p>The caller must own the buffer outright: no other thread, view or duplicate of it in use,
 * now or later. Freed memory read through a stale view is a crash, not an exception.
 */
final class DirectBuffers {
    private static final MethodHandle INVOKE_CLEANER = find();

    private DirectBuffers() {
    }

    private static MethodHandle find() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            MethodHandle m = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class));
            return m.bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether {@link #free} gives memory back now (else the collector does, later). */
    static boolean freesNow() {
        return INVOKE_CLEANER != null;
    }

    /**
     * Frees {@code b}'s memory if it is a direct buffer of its own (not a slice or duplicate);
     * does nothing to a heap buffer.
     */
    static void free(ByteBuffer b) {
        if (INVOKE_CLEANER == null || !b.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(b);
        } catch (IllegalArgumentException e) {
            // a slice or duplicate: its memory belongs to the buffer it came from
        } catch (Throwable e) {
            if (e instanceof Error err) {
                throw err;
            }
            // not freed now: the collector will
        }
    }
}
