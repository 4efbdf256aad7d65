package dev.delta.node.release;

import dev.delta.protocol.server.StoredPatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The patches that bring the files of one release to the next, computed once by the origin when
 * it publishes ({@code FollowerPatches}) and served to every edge that follows: a request whose
 * piece and window match an entry gets the stored bytes, with nothing read from the releases and
 * nothing encoded on the I/O thread.
 *
 * <p>File layout (big-endian): magic {@code DRPP}, format (int, 1), entry count (int), CRC32C of
 * the entries (int); then the entries, {@value #ENTRY_BYTES} bytes each: the first 16 bytes of
 * the target file's SHA-256 and of the reference file's, the piece's offset (long) and length
 * (int), the window's offset (long) and length (int), 1 if the content is LZ4-compressed, the
 * content's offset in the data section (long), its length (int) and its CRC32C (int); then the
 * data section. A damaged header or index makes the whole file unusable (the node patches live,
 * as without it); a damaged content makes only that entry so.
 *
 * <p>Keys hold content ids, not paths or versions: an entry can only ever answer a piece of the
 * very bytes it was computed from. Thread-safe once opened.
 */
public final class PatchPack implements AutoCloseable {
    static final int MAGIC = 0x44525050; // "DRPP"
    static final int FORMAT = 1;
    static final int HEADER_BYTES = 16;
    static final int ENTRY_BYTES = 16 + 16 + 8 + 4 + 8 + 4 + 1 + 8 + 4 + 4;
    /** Most entries a pack may hold: a 1 GiB update cut in 128 KiB pieces is 8,192. */
    static final int MAX_ENTRIES = 1 << 22;

    /** A piece of a target file against a window of a reference file. */
    record Key(long t0, long t1, long r0, long r1, long offset, int length, long windowOffset, int windowLength) {
        static Key of(byte[] target, byte[] reference, long offset, int length, long windowOffset, int windowLength) {
            ByteBuffer t = ByteBuffer.wrap(target);
            ByteBuffer r = ByteBuffer.wrap(reference);
            return new Key(t.getLong(0), t.getLong(8), r.getLong(0), r.getLong(8), offset, length, windowOffset,
                    windowLength);
        }
    }

    private record Slot(boolean compressed, long at, int length, int crc) {
    }

    private final Path file;
    private final FileChannel ch;
    private final Map<Key, Slot> index;
    private final long dataStart;

    private PatchPack(Path file, FileChannel ch, Map<Key, Slot> index, long dataStart) {
        this.file = file;
        this.ch = ch;
        this.index = index;
        this.dataStart = dataStart;
    }

    /**
     * Opens a pack and reads its index.
     *
     * @return null when there is no such file
     * @throws IOException when it cannot be read or is damaged (the message says how)
     */
    public static PatchPack open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        boolean ok = false;
        try {
            ByteBuffer head = readFully(ch, 0, HEADER_BYTES);
            if (head.getInt(0) != MAGIC || head.getInt(4) != FORMAT) {
                throw new IOException(file + " is not a patch pack of format " + FORMAT);
            }
            int count = head.getInt(8);
            if (count < 0 || count > MAX_ENTRIES || HEADER_BYTES + (long) count * ENTRY_BYTES > ch.size()) {
                throw new IOException(file + ": " + count + " entries do not fit in " + ch.size() + " bytes");
            }
            ByteBuffer entries = readFully(ch, HEADER_BYTES, count * ENTRY_BYTES);
            if (crc(entries.array(), 0, entries.capacity()) != head.getInt(12)) {
                throw new IOException(file + ": the index fails its checksum");
            }
            long dataStart = HEADER_BYTES + (long) count * ENTRY_BYTES;
            long dataBytes = ch.size() - dataStart;
            Map<Key, Slot> index = new HashMap<>(count * 2);
            for (int i = 0; i < count; i++) {
                ByteBuffer e = entries.slice(i * ENTRY_BYTES, ENTRY_BYTES);
                Key k = new Key(e.getLong(0), e.getLong(8), e.getLong(16), e.getLong(24), e.getLong(32), e.getInt(40),
                        e.getLong(44), e.getInt(52));
                Slot s = new Slot(e.get(56) != 0, e.getLong(57), e.getInt(65), e.getInt(69));
                if (s.at < 0 || s.length <= 0 || s.at + s.length > dataBytes) {
                    throw new IOException(file + ": entry " + i + " points outside the data");
                }
                index.put(k, s);
            }
            ok = true;
            return new PatchPack(file, ch, index, dataStart);
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /** Entries held. */
    public int size() {
        return index.size();
    }

    /**
     * The stored patch of {@code [offset, offset + length)} of the file with SHA-256
     * {@code target}, against the window of the file with SHA-256 {@code reference}; null when
     * there is none, or it cannot be read or fails its checksum.
     */
    public StoredPatch find(byte[] target, byte[] reference, long offset, int length, long windowOffset,
                            int windowLength) {
        Slot s = index.get(Key.of(target, reference, offset, length, windowOffset, windowLength));
        if (s == null) {
            return null;
        }
        try {
            ByteBuffer b = readFully(ch, dataStart + s.at, s.length);
            if (crc(b.array(), 0, s.length) != s.crc) {
                return null;
            }
            return new StoredPatch(s.compressed, b);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public String toString() {
        return file + " (" + index.size() + " patches)";
    }

    private static ByteBuffer readFully(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("patch pack ends before " + (at + n) + " bytes");
            }
        }
        return b.flip();
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    /**
     * Writes a pack: contents go to a side file as they come, the index stays in memory, and
     * {@link #finish} puts the two together under a temporary name and renames it into place.
     */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path data;
        private final FileChannel out;
        private final java.io.ByteArrayOutputStream entries = new java.io.ByteArrayOutputStream();
        private final java.util.Set<Key> keys = new java.util.HashSet<>();
        private long dataBytes;
        private int count;

        public Writer(Path target) throws IOException {
            this.target = target;
            this.data = target.resolveSibling(target.getFileName() + ".data.tmp");
            this.out = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        }

        /** Adds a piece's patch; a second one for the same piece and window is ignored. */
        public void add(byte[] targetSha, byte[] referenceSha, long offset, int length, long windowOffset,
                        int windowLength, boolean compressed, byte[] content) throws IOException {
            if (count == MAX_ENTRIES || !keys.add(Key.of(targetSha, referenceSha, offset, length, windowOffset,
                    windowLength))) {
                return;
            }
            ByteBuffer e = ByteBuffer.allocate(ENTRY_BYTES);
            e.put(targetSha, 0, 16).put(referenceSha, 0, 16).putLong(offset).putInt(length).putLong(windowOffset)
                    .putInt(windowLength).put((byte) (compressed ? 1 : 0)).putLong(dataBytes).putInt(content.length)
                    .putInt(crc(content, 0, content.length));
            entries.write(e.array(), 0, ENTRY_BYTES);
            ByteBuffer c = ByteBuffer.wrap(content);
            while (c.hasRemaining()) {
                out.write(c, dataBytes + c.position());
            }
            dataBytes += content.length;
            count++;
        }

        /** Entries added. */
        public int count() {
            return count;
        }

        /** Bytes of patches added. */
        public long dataBytes() {
            return dataBytes;
        }

        /** Writes the pack in place (atomically: a reader sees the old file, none, or the new one). */
        public void finish() throws IOException {
            byte[] idx = entries.toByteArray();
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putInt(FORMAT).putInt(count)
                        .putInt(crc(idx, 0, idx.length)).flip();
                ByteBuffer all = ByteBuffer.allocate(HEADER_BYTES + idx.length).put(head).put(idx).flip();
                while (all.hasRemaining()) {
                    f.write(all);
                }
                long at = 0;
                while (at < dataBytes) {
                    long n = out.transferTo(at, dataBytes - at, f);
                    if (n <= 0) {
                        throw new IOException(data + " ends before " + dataBytes + " bytes");
                    }
                    at += n;
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void close() throws IOException {
            out.close();
            Files.deleteIfExists(data);
            Files.deleteIfExists(target.resolveSibling(target.getFileName() + ".tmp"));
        }
    }
}
