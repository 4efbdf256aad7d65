package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;

import java.util.Arrays;
import java.util.Objects;

/**
 * One path of a manifest: a regular file (size, SHA-256, ordered chunks), a directory, or a
 * symlink (target recorded, never followed). Immutable; the path is validated on construction.
 *
 * <p>{@code mode} holds the POSIX permission bits (07777); {@code mtimeNanos} is the
 * modification time in nanoseconds since the epoch.
 */
public final class Entry {
    /** Largest symlink target accepted, in UTF-8 bytes. */
    public static final int MAX_TARGET_BYTES = 4096;

    private final String path;
    private final EntryType type;
    private final int mode;
    private final long mtimeNanos;
    private final long size;
    private final byte[] sha256;
    private final ChunkList chunks;
    private final String target;

    private Entry(String path, EntryType type, int mode, long mtimeNanos, long size, byte[] sha256,
                  ChunkList chunks, String target) {
        this(path, type, mode, mtimeNanos, size, sha256, chunks, target, false);
    }

    /** @param pathChecked whether the caller already found {@code path} acceptable ({@link ManifestPath#problem}) */
    private Entry(String path, EntryType type, int mode, long mtimeNanos, long size, byte[] sha256,
                  ChunkList chunks, String target, boolean pathChecked) {
        this.path = pathChecked ? java.util.Objects.requireNonNull(path) : ManifestPath.validate(path);
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " of " + ManifestPath.quote(path)
                    + " has bits beyond 07777");
        }
        this.type = type;
        this.mode = mode;
        this.mtimeNanos = mtimeNanos;
        this.size = size;
        this.sha256 = sha256;
        this.chunks = chunks;
        this.target = target;
    }

    public static Entry file(String path, int mode, long mtimeNanos, long size, byte[] sha256, ChunkList chunks) {
        Objects.requireNonNull(chunks, "chunks");
        if (sha256 == null || sha256.length != Sha256.BYTES) {
            throw new IllegalArgumentException("file " + ManifestPath.quote(path) + " needs a 32-byte SHA-256");
        }
        if (size < 0 || chunks.totalLength() != size) {
            throw new IllegalArgumentException("file " + ManifestPath.quote(path) + " has size " + size
                    + " but its chunks cover " + chunks.totalLength() + " bytes");
        }
        return new Entry(path, EntryType.FILE, mode, mtimeNanos, size, sha256.clone(), chunks, null);
    }

    /**
     * A file entry from the decoder, which has checked the path and owns {@code sha256} (not copied);
     * every other rule is checked as in {@link #file}.
     */
    static Entry decodedFile(String path, int mode, long mtimeNanos, long size, byte[] sha256, ChunkList chunks) {
        Objects.requireNonNull(chunks, "chunks");
        if (sha256 == null || sha256.length != Sha256.BYTES) {
            throw new IllegalArgumentException("file " + ManifestPath.quote(path) + " needs a 32-byte SHA-256");
        }
        if (size < 0 || chunks.totalLength() != size) {
            throw new IllegalArgumentException("file " + ManifestPath.quote(path) + " has size " + size
                    + " but its chunks cover " + chunks.totalLength() + " bytes");
        }
        return new Entry(path, EntryType.FILE, mode, mtimeNanos, size, sha256, chunks, null, true);
    }

    /** A directory entry from the decoder, which has checked the path. */
    static Entry decodedDir(String path, int mode, long mtimeNanos) {
        return new Entry(path, EntryType.DIR, mode, mtimeNanos, 0, null, ChunkList.EMPTY, null, true);
    }

    public static Entry dir(String path, int mode, long mtimeNanos) {
        return new Entry(path, EntryType.DIR, mode, mtimeNanos, 0, null, ChunkList.EMPTY, null);
    }

    public static Entry symlink(String path, String target, long mtimeNanos) {
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("symlink " + ManifestPath.quote(path) + " has an empty target");
        }
        if (target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("symlink " + ManifestPath.quote(path) + " has a NUL in its target");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 == target.length()
                        || !Character.isLowSurrogate(target.charAt(i + 1))) {
                    throw new IllegalArgumentException("symlink " + ManifestPath.quote(path)
                            + " has a target with an unpaired surrogate (not valid Unicode)");
                }
                i++;
            }
        }
        if (target.length() > MAX_TARGET_BYTES
                || target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_TARGET_BYTES) {
            throw new IllegalArgumentException("symlink " + ManifestPath.quote(path) + " has a target longer than "
                    + MAX_TARGET_BYTES + " bytes");
        }
        return new Entry(path, EntryType.SYMLINK, 0777, mtimeNanos, 0, null, ChunkList.EMPTY, target);
    }

    public String path() {
        return path;
    }

    public EntryType type() {
        return type;
    }

    public boolean isFile() {
        return type == EntryType.FILE;
    }

    public boolean isDir() {
        return type == EntryType.DIR;
    }

    public boolean isSymlink() {
        return type == EntryType.SYMLINK;
    }

    public int mode() {
        return mode;
    }

    public long mtimeNanos() {
        return mtimeNanos;
    }

    /** File size in bytes; 0 for directories and symlinks. */
    public long size() {
        return size;
    }

    /** SHA-256 of a file's content (a copy), or null for directories and symlinks. */
    public byte[] sha256() {
        return sha256 == null ? null : sha256.clone();
    }

    /** Hex SHA-256 of a file, or null. */
    public String sha256Hex() {
        return sha256 == null ? null : Sha256.hex(sha256);
    }

    /** True when this file's content digest equals {@code other}'s. */
    public boolean sameContent(Entry other) {
        return type == EntryType.FILE && other.type == EntryType.FILE && size == other.size
                && Arrays.equals(sha256, other.sha256);
    }

    public ChunkList chunks() {
        return chunks;
    }

    /** Symlink target, or null. */
    public String target() {
        return target;
    }

    /** This entry with another path (used for renames in tests and plans). */
    public Entry withPath(String newPath) {
        return new Entry(newPath, type, mode, mtimeNanos, size, sha256, chunks, target);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Entry)) {
            return false;
        }
        Entry e = (Entry) o;
        return type == e.type && mode == e.mode && mtimeNanos == e.mtimeNanos && size == e.size
                && path.equals(e.path) && Arrays.equals(sha256, e.sha256) && chunks.equals(e.chunks)
                && Objects.equals(target, e.target);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, type, mode, mtimeNanos, size, Arrays.hashCode(sha256), target);
    }

    @Override
    public String toString() {
        switch (type) {
            case FILE:
                return "file " + path + " (" + size + " B, " + chunks.size() + " chunks, mode "
                        + Integer.toOctalString(mode) + ")";
            case DIR:
                return "dir " + path + "/ (mode " + Integer.toOctalString(mode) + ")";
            default:
                return "symlink " + path + " -> " + target;
        }
    }
}
