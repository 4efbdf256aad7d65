package dev.delta.engine.scan;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What one {@code lstat} says about a path (links are never followed): its kind, permission
 * bits, size, modification time, and the identity fields the file-state cache compares to
 * decide that a file is unchanged (inode, device, ctime).
 *
 * @param kind       regular file, directory, symlink or something else
 * @param mode       POSIX permission bits, {@code & 07777}
 * @param size       size in bytes (as reported; for a symlink, the target's length)
 * @param mtimeNanos modification time, nanoseconds since the epoch
 * @param inode      inode number, or 0 if the platform does not say
 * @param device     device id, or 0 if unknown
 * @param ctimeNanos status-change time in nanoseconds since the epoch, or 0 if unknown
 */
public record FileStat(Kind kind, int mode, long size, long mtimeNanos, long inode, long device, long ctimeNanos) {
    /** The kinds of directory entries the scanner tells apart. */
    public enum Kind { FILE, DIR, SYMLINK, OTHER }

    private static final boolean UNIX = FileSystems.getDefault().supportedFileAttributeViews().contains("unix");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final String UNIX_ATTRS = "unix:mode,ino,dev,ctime,size,lastModifiedTime";

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    /** Stats {@code path} without following a symlink. */
    public static FileStat of(Path path) throws IOException {
        if (UnixFields.AVAILABLE) {
            Object a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (UnixFields.TYPE.isInstance(a)) {
                return UnixFields.toStat(a);
            }
        }
        return portable(path);
    }

    /** {@link #of} through the public attribute API only (a map of named attributes per call). */
    static FileStat portable(Path path) throws IOException {
        if (UNIX) {
            Map<String, Object> a = Files.readAttributes(path, UNIX_ATTRS, LinkOption.NOFOLLOW_LINKS);
            int raw = (Integer) a.get("mode");
            return new FileStat(kindOf(raw), raw & 07777, (Long) a.get("size"),
                    toNanos((FileTime) a.get("lastModifiedTime")), (Long) a.get("ino"), (Long) a.get("dev"),
                    toNanos((FileTime) a.get("ctime")));
        }
        BasicFileAttributes b;
        int mode;
        if (POSIX) {
            PosixFileAttributes p = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            b = p;
            mode = modeOf(p.permissions());
        } else {
            b = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            mode = b.isDirectory() ? 0755 : 0644;
        }
        Kind kind = b.isSymbolicLink() ? Kind.SYMLINK : b.isDirectory() ? Kind.DIR
                : b.isRegularFile() ? Kind.FILE : Kind.OTHER;
        Object key = b.fileKey();
        return new FileStat(kind, mode, b.size(), toNanos(b.lastModifiedTime()),
                key == null ? 0 : key.hashCode() & 0xffffffffL, 0, 0);
    }

    private static Kind kindOf(int rawMode) {
        switch (rawMode & S_IFMT) {
            case S_IFREG: return Kind.FILE;
            case S_IFDIR: return Kind.DIR;
            case S_IFLNK: return Kind.SYMLINK;
            default: return Kind.OTHER;
        }
    }

    /**
     * The JDK's own stat result ({@code sun.nio.fs.UnixFileAttributes}) read field by field, when
     * the runtime opens that package to us ({@code --add-opens java.base/sun.nio.fs}, which the
     * launcher and the jar manifest pass): the same single {@code lstat}, without the map of
     * named attributes, parsed attribute list and {@code FileTime}s that the public
     * {@code "unix:*"} view builds per call. A scan stats every path, so this is its main cost
     * on an unchanged tree. Without the opening, {@link #portable} answers identically.
     */
    static final class UnixFields {
        static final Class<?> TYPE;
        static final boolean AVAILABLE;
        private static final MethodHandle MODE;
        private static final MethodHandle INO;
        private static final MethodHandle DEV;
        private static final MethodHandle SIZE;
        private static final MethodHandle MTIME_SEC;
        private static final MethodHandle MTIME_NSEC;
        private static final MethodHandle CTIME_SEC;
        private static final MethodHandle CTIME_NSEC;

        static {
            Class<?> type = null;
            MethodHandle mode = null, ino = null, dev = null, size = null, ms = null, mn = null, cs = null, cn = null;
            boolean ok = false;
            try {
                type = Class.forName("sun.nio.fs.UnixFileAttributes");
                MethodHandles.Lookup l = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
                mode = getter(l, type, "st_mode", int.class);
                ino = getter(l, type, "st_ino", long.class);
                dev = getter(l, type, "st_dev", long.class);
                size = getter(l, type, "st_size", long.class);
                ms = getter(l, type, "st_mtime_sec", long.class);
                mn = getter(l, type, "st_mtime_nsec", long.class);
                cs = getter(l, type, "st_ctime_sec", long.class);
                cn = getter(l, type, "st_ctime_nsec", long.class);
                ok = true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not a Unix JDK, a different layout, or the package is not opened: use the public view
            }
            TYPE = ok ? type : Void.class;
            AVAILABLE = ok && UNIX;
            MODE = mode;
            INO = ino;
            DEV = dev;
            SIZE = size;
            MTIME_SEC = ms;
            MTIME_NSEC = mn;
            CTIME_SEC = cs;
            CTIME_NSEC = cn;
        }

        private static MethodHandle getter(MethodHandles.Lookup l, Class<?> type, String field, Class<?> t)
                throws ReflectiveOperationException {
            return l.findGetter(type, field, t).asType(MethodType.methodType(t, Object.class));
        }

        static FileStat toStat(Object a) {
            try {
                int raw = (int) MODE.invokeExact(a);
                return new FileStat(kindOf(raw), raw & 07777, (long) SIZE.invokeExact(a),
                        nanos((long) MTIME_SEC.invokeExact(a), (long) MTIME_NSEC.invokeExact(a)),
                        (long) INO.invokeExact(a), (long) DEV.invokeExact(a),
                        nanos((long) CTIME_SEC.invokeExact(a), (long) CTIME_NSEC.invokeExact(a)));
            } catch (Throwable t) {
                throw new IllegalStateException("reading a stat result failed", t);
            }
        }

        /** Seconds and nanoseconds as {@link #toNanos} would give them from a {@code FileTime}. */
        private static long nanos(long sec, long nsec) {
            if (sec >= Long.MAX_VALUE / 1_000_000_000L) {
                return Long.MAX_VALUE;
            }
            if (sec <= Long.MIN_VALUE / 1_000_000_000L) {
                return Long.MIN_VALUE;
            }
            return sec * 1_000_000_000L + nsec;
        }
    }

    /** Permission bits from a permission set (no setuid/setgid/sticky: the set cannot say). */
    static int modeOf(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = 0400, ..., OTHERS_EXECUTE = 01
        }
        return m;
    }

    /**
     * Nanoseconds since the epoch, clamped to the range of a long (about the years 1678 to
     * 2262); times outside it are almost surely bogus and clamping keeps them ordered.
     */
    public static long toNanos(FileTime t) {
        if (t == null) {
            return 0;
        }
        Instant i = t.toInstant();
        long s = i.getEpochSecond();
        if (s >= Long.MAX_VALUE / 1_000_000_000L) {
            return Long.MAX_VALUE;
        }
        if (s <= Long.MIN_VALUE / 1_000_000_000L) {
            return Long.MIN_VALUE;
        }
        return s * 1_000_000_000L + i.getNano();
    }

    /** True when the fields that identify a file's content version are equal. */
    public boolean sameContentIdentity(FileStat o) {
        return size == o.size && mtimeNanos == o.mtimeNanos && inode == o.inode && device == o.device
                && ctimeNanos == o.ctimeNanos;
    }
}
