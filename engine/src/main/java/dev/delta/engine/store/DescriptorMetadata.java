package dev.delta.engine.store;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Sets a staged file's or directory's mode and modification time through a file descriptor
 * ({@code fchmod} and {@code futimens}), when the runtime opens the JDK's file-channel and
 * native-dispatcher packages to us ({@code --add-opens java.base/sun.nio.ch} and
 * {@code java.base/sun.nio.fs}, which the launcher and the jar manifest pass).
 *
 * <p>The public API sets a path's times with an {@code lstat}, an {@code open}, a
 * {@code futimens} and a {@code close}, and the mode with a {@code chmod}, each call walking
 * the whole path again, and asks for a {@code stat} first when the access time is not given:
 * five or six system calls and three path walks per entry, on every one of a cold copy's
 * 100,000. Here a writer that has just written a whole file sets both on its open channel
 * (two calls, no path walk), and the commit sets any other entry with one {@code open}
 * ({@code O_NOFOLLOW}: never through a symlink) and two calls on the descriptor.
 *
 * <p>Without the opening, or off Unix, {@link #AVAILABLE} is false and {@link #set} answers
 * false: the caller uses the public API, with the same result.
 */
final class DescriptorMetadata {
    static final boolean AVAILABLE;
    /** The JDK's file channel, whose descriptor is read; another kind of channel is set by path. */
    private static final Class<?> CHANNEL_TYPE;
    private static final MethodHandle CHANNEL_FD;
    private static final MethodHandle FD_INT;
    private static final MethodHandle FCHMOD;
    private static final MethodHandle FUTIMENS;

    static {
        Class<?> channelType = Void.class;
        MethodHandle channelFd = null;
        MethodHandle fdInt = null;
        MethodHandle fchmod = null;
        MethodHandle futimens = null;
        boolean ok = false;
        try {
            Class<?> impl = Class.forName("sun.nio.ch.FileChannelImpl");
            channelType = impl;
            channelFd = MethodHandles.privateLookupIn(impl, MethodHandles.lookup())
                    .findGetter(impl, "fd", FileDescriptor.class)
                    .asType(MethodType.methodType(FileDescriptor.class, FileChannel.class));
            fdInt = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                    .findGetter(FileDescriptor.class, "fd", int.class);
            Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup());
            fchmod = l.findStatic(dispatcher, "fchmod", MethodType.methodType(void.class, int.class, int.class));
            futimens = l.findStatic(dispatcher, "futimens",
                    MethodType.methodType(void.class, int.class, long.class, long.class));
            // futimens takes nanoseconds; where the platform lacks it, the public API (utimes' microseconds)
            MethodHandle supported = l.findStatic(dispatcher, "futimensSupported", MethodType.methodType(boolean.class));
            ok = (boolean) supported.invokeExact();
        } catch (Throwable t) {
            // not a Unix JDK, a different layout, or the packages are not opened: the public API it is
        }
        AVAILABLE = ok;
        CHANNEL_TYPE = channelType;
        CHANNEL_FD = channelFd;
        FD_INT = fdInt;
        FCHMOD = fchmod;
        FUTIMENS = futimens;
    }

    private DescriptorMetadata() {
    }

    /**
     * Sets {@code mode} (its low twelve bits) and the modification time {@code mtimeNanos} (the
     * access time to now) of the file open in {@code ch}. False when that cannot be done here
     * or a call failed: the caller then sets them by path, which reports any real error.
     */
    static boolean set(FileChannel ch, int mode, long mtimeNanos) {
        return set(ch, true, mode, mtimeNanos);
    }

    /**
     * Sets the modification time {@code mtimeNanos} (the access time to now) of the file open in
     * {@code ch}, whose mode is right already (see {@link CreationMode}); false as {@link #set}.
     */
    static boolean setTime(FileChannel ch, long mtimeNanos) {
        return set(ch, false, 0, mtimeNanos);
    }

    private static boolean set(FileChannel ch, boolean withMode, int mode, long mtimeNanos) {
        if (!AVAILABLE || !CHANNEL_TYPE.isInstance(ch)) {
            return false;
        }
        try {
            int fd = (int) FD_INT.invokeExact((FileDescriptor) CHANNEL_FD.invokeExact(ch));
            if (fd < 0) {
                return false;
            }
            if (withMode) {
                FCHMOD.invokeExact(fd, mode & 07777);
            }
            FUTIMENS.invokeExact(fd, System.currentTimeMillis() * 1_000_000L, mtimeNanos);
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * Opens {@code p} for reading without following a symlink at its last component and
     * {@link #set}s it; false as there, and when it cannot be opened so. A symlink is never
     * opened: the caller sets a link's times by path.
     */
    static boolean set(Path p, int mode, long mtimeNanos) throws IOException {
        if (!AVAILABLE) {
            return false;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false; // not readable by its owner (a mode an interrupted commit set), or gone: by path
        }
        try (ch) {
            return set(ch, mode, mtimeNanos);
        }
    }
}
