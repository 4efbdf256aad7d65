package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.ManifestPath;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A compact copy of what the last scan knew about every file it could vouch for (taken from the
 * file-state cache or stored into it), in canonical path order, kept beside the Chronicle Map.
 * A rescan walks its own results in the same order and merges them against this list: an
 * unchanged tree is answered by one sequential read of this file, without opening the map or
 * looking a path up in it; any file whose path or stat differs falls back to the map.
 *
 * <h2>It is only a cache of the cache</h2>
 * <ul>
 *   <li>The whole file is checked with CRC32C (an intrinsic even before anything is compiled);
 *       a file that fails, is truncated or has another format is ignored.</li>
 *   <li>It records the identity of the map state it was written with (the map file's name and
 *       seal from the state file); it is used only while the state file still says that map was
 *       closed with that seal. A process that opens the map rewrites the state file as "open",
 *       so after a crash, a rebuild or any write by another user of the map the snapshot is
 *       ignored and the map (recovered or rebuilt as usual) answers.</li>
 *   <li>A record is used only when the path and every stat field the map compares (size,
 *       mtime, inode, device, ctime) are equal, the chunker parameters are those of the scan,
 *       and its chunk table is sound (positive lengths adding up to the size).</li>
 * </ul>
 *
 * <h2>Format</h2>
 * Little-endian, so that the record area is copied into a {@code long[]} in one bulk move:
 * <pre>
 * header   8 longs: magic, min&lt;&lt;32|avg, max&lt;&lt;32|normalization, records, record longs,
 *                   path-and-digest bytes, map identity, 0
 * records  per file: pathRef (byte offset &lt;&lt; 16 | side-file flag &lt;&lt; 15 | path length),
 *                   size, mtime, inode, device, ctime, chunk count n, side id hi, side id lo,
 *                   then n chunk ends, n id highs, n id lows
 * bytes    per file: the path's UTF-8 bytes, then its 32-byte SHA-256
 * check    CRC32C of everything above, as a long
 * </pre>
 */
final class FileStateSnapshot {
    static final String FILE_NAME = "snapshot";
    static final long MAGIC = 0x314e534154464c44L; // "DLFTASN1" read little-endian
    static final int HEADER_LONGS = 8;
    static final int RECORD_LONGS = 9;
    private static final int PATH_LEN_MASK = 0x1fff;
    private static final long SIDE_FLAG = 1L << 15;

    final ChunkerParams params;
    final long identity;
    final int records;
    /** The record area. */
    private final long[] longs;
    /** Paths and digests. */
    private final byte[] bytes;

    private FileStateSnapshot(ChunkerParams params, long identity, int records, long[] longs, byte[] bytes) {
        this.params = params;
        this.identity = identity;
        this.records = records;
        this.longs = longs;
        this.bytes = bytes;
    }

    /**
     * Reads and checks {@code file}; null if it is missing, damaged, of another format, or was
     * written for a map state other than {@code identity}.
     */
    static FileStateSnapshot read(Path file, long identity) throws IOException {
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < (HEADER_LONGS + 1) * 8L || size > Integer.MAX_VALUE - 64) {
                return null;
            }
            ByteBuffer head = ByteBuffer.allocate(HEADER_LONGS * 8).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // read the header first: a snapshot of another map state is not read further
            }
            if (head.hasRemaining() || head.getLong(0) != MAGIC || head.getLong(48) != identity) {
                return null;
            }
            // Mapped rather than read: checked in place, then copied once into the arrays the
            // merge reads (no intermediate copy of the whole file in the heap).
            b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            return null;
        }
        int n = b.capacity();
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(n - 8));
        if (b.getLong(n - 8) != crc.getValue() || b.getLong(0) != MAGIC || b.getLong(48) != identity) {
            return null;
        }
        long p1 = b.getLong(8);
        long p2 = b.getLong(16);
        long records = b.getLong(24);
        long longCount = b.getLong(32);
        long byteCount = b.getLong(40);
        if (records < 0 || longCount < 0 || byteCount < 0 || longCount > n / 8 || byteCount > n
                || HEADER_LONGS * 8L + longCount * 8 + byteCount + 8 != n) {
            return null;
        }
        ChunkerParams params;
        try {
            params = new ChunkerParams((int) (p1 >>> 32), (int) p1, (int) (p2 >>> 32), (int) p2);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int base = (int) (HEADER_LONGS * 8 + longCount * 8);
        long[] longs = new long[(int) longCount];
        b.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(HEADER_LONGS * 8).limit(base)
                .slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(longs);
        byte[] bytes = new byte[(int) byteCount];
        b.get(base, bytes);
        return new FileStateSnapshot(params, identity, (int) records, longs, bytes);
    }

    /** Reads this snapshot's records in order; every accessor checks bounds, a bad record ends it. */
    final class Cursor {
        private int at; // long index of the current record
        private int index; // its number
        private int pathOff;
        private int pathLen;
        private int count;
        private boolean valid;
        private String path;

        Cursor() {
            load();
        }

        /** True past the last (sound) record. */
        boolean done() {
            return !valid;
        }

        /** The current record's path (decoded on first use), or null past the last record. */
        String path() {
            if (!valid) {
                return null;
            }
            if (path == null) {
                path = new String(bytes, pathOff, pathLen, StandardCharsets.UTF_8);
            }
            return path;
        }

        /**
         * The canonical order of the current record's path against {@code other} (as {@link
         * ManifestPath#compare}), without decoding the record's path while both are ASCII.
         */
        int compareTo(String other) {
            int n = Math.min(pathLen, other.length());
            for (int i = 0; i < n; i++) {
                int x = bytes[pathOff + i] & 0xff;
                char y = other.charAt(i);
                if (x >= 0x80 || y >= 0x80) {
                    return ManifestPath.compare(path(), other);
                }
                if (x != y) {
                    return x == '/' ? -1 : y == '/' ? 1 : x - y;
                }
            }
            // one is a prefix of the other (as ASCII): the shorter comes first
            return Integer.compare(pathLen, other.length());
        }

        /** Long index of the current record, for {@link Writer#copy}. */
        int position() {
            return at;
        }

        void next() {
            at += RECORD_LONGS + 3 * count;
            index++;
            load();
        }

        private void load() {
            valid = false;
            path = null;
            if (index >= records || at < 0 || at > longs.length - RECORD_LONGS) {
                return;
            }
            long ref = longs[at];
            long c = longs[at + 6];
            long off = ref >>> 16;
            int len = (int) (ref & PATH_LEN_MASK);
            if (c < 0 || c > (longs.length - at - RECORD_LONGS) / 3 || len == 0
                    || off > bytes.length - len - Sha256.BYTES) {
                return;
            }
            pathOff = (int) off;
            pathLen = len;
            count = (int) c;
            valid = true;
        }

        /** True when the current record's stat is {@code s}'s, field for field as the map compares them. */
        boolean sameStat(FileStat s) {
            return longs[at + 1] == s.size() && longs[at + 2] == s.mtimeNanos() && longs[at + 3] == s.inode()
                    && longs[at + 4] == s.device() && longs[at + 5] == s.ctimeNanos();
        }

        /** The current record's chunks, or null if its table is unsound. */
        ChunkList chunks() {
            return ChunkList.fromColumns(longs, at + RECORD_LONGS, count, longs[at + 1]);
        }

        byte[] sha256() {
            return Arrays.copyOfRange(bytes, pathOff + pathLen, pathOff + pathLen + Sha256.BYTES);
        }

        /** The side file holding this record's table in the map, as {hi, lo}, or null. */
        long[] sideId() {
            return (longs[at] & SIDE_FLAG) == 0 ? null : new long[] {longs[at + 7], longs[at + 8]};
        }
    }

    Cursor cursor() {
        return new Cursor();
    }

    /** Collects the records of the next snapshot, in canonical order. */
    static final class Writer {
        private final ChunkerParams params;
        private long[] longs = new long[1 << 12];
        private int longCount;
        private byte[] bytes = new byte[1 << 12];
        private int byteCount;
        private int records;
        private String last;

        Writer(ChunkerParams params) {
            this.params = params;
        }

        /** Appends a file the scan can vouch for; {@code side} is its map side file's id or null. */
        void add(String path, FileStat stat, byte[] sha256, ChunkList chunks, long[] side) {
            byte[] p = path.getBytes(StandardCharsets.UTF_8);
            int n = chunks.size();
            long ref = startRecord(path, p, sha256, n);
            int at = longCount;
            longs[at] = ref | (side == null ? 0 : SIDE_FLAG);
            longs[at + 1] = stat.size();
            longs[at + 2] = stat.mtimeNanos();
            longs[at + 3] = stat.inode();
            longs[at + 4] = stat.device();
            longs[at + 5] = stat.ctimeNanos();
            longs[at + 6] = n;
            longs[at + 7] = side == null ? 0 : side[0];
            longs[at + 8] = side == null ? 0 : side[1];
            chunks.copyColumns(longs, at + RECORD_LONGS);
            longCount += RECORD_LONGS + 3 * n;
        }

        /** Appends the record at {@code c}'s position unchanged (a file the merge found unchanged). */
        void copy(FileStateSnapshot from, Cursor c) {
            byte[] p = Arrays.copyOfRange(from.bytes, c.pathOff, c.pathOff + c.pathLen);
            int len = RECORD_LONGS + 3 * c.count;
            long ref = startRecord(c.path(), p, c.sha256(), c.count);
            System.arraycopy(from.longs, c.at, longs, longCount, len);
            longs[longCount] = ref | (from.longs[c.at] & SIDE_FLAG);
            longCount += len;
        }

        private long startRecord(String path, byte[] p, byte[] sha256, int chunks) {
            if (last != null && ManifestPath.compare(last, path) >= 0) {
                throw new IllegalStateException("snapshot records out of order: " + path + " after " + last);
            }
            if (p.length > PATH_LEN_MASK || sha256.length != Sha256.BYTES) {
                throw new IllegalArgumentException("path too long or bad digest: " + ManifestPath.quote(path));
            }
            last = path;
            int needLongs = longCount + RECORD_LONGS + 3 * chunks;
            if (needLongs > longs.length) {
                longs = Arrays.copyOf(longs, Math.max(needLongs, longs.length * 2));
            }
            int needBytes = byteCount + p.length + Sha256.BYTES;
            if (needBytes > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(needBytes, bytes.length * 2));
            }
            long ref = ((long) byteCount << 16) | p.length;
            System.arraycopy(p, 0, bytes, byteCount, p.length);
            System.arraycopy(sha256, 0, bytes, byteCount + p.length, Sha256.BYTES);
            byteCount = needBytes;
            records++;
            return ref;
        }

        int records() {
            return records;
        }

        /** The file's bytes: header, records, paths and digests, check. */
        byte[] encode(long identity) {
            int size = HEADER_LONGS * 8 + longCount * 8 + byteCount + 8;
            byte[] out = new byte[size];
            ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(MAGIC).putLong((long) params.min() << 32 | (params.avg() & 0xffffffffL))
                    .putLong((long) params.max() << 32 | (params.normalization() & 0xffffffffL))
                    .putLong(records).putLong(longCount).putLong(byteCount).putLong(identity).putLong(0);
            b.asLongBuffer().put(longs, 0, longCount);
            System.arraycopy(bytes, 0, out, HEADER_LONGS * 8 + longCount * 8, byteCount);
            CRC32C crc = new CRC32C();
            crc.update(out, 0, size - 8);
            b.putLong(size - 8, crc.getValue());
            return out;
        }
    }
}
