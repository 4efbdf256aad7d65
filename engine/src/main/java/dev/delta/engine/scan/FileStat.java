package dev.delta.engine.scan;

import java.io.IOException;
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
        if (UNIX) {
            Map<String, Object> a = Files.readAttributes(path, UNIX_ATTRS, LinkOption.NOFOLLOW_LINKS);
            int raw = (Integer) a.get("mode");
            Kind kind;
            switch (raw & S_IFMT) {
                case S_IFREG: kind = Kind.FILE; break;
                case S_IFDIR: kind = Kind.DIR; break;
                case S_IFLNK: kind = Kind.SYMLINK; break;
                default: kind = Kind.OTHER; break;
            }
            return new FileStat(kind, raw & 07777, (Long) a.get("size"),
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
