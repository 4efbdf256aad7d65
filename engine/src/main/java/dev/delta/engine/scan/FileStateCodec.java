package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;
import net.openhft.hashing.LongHashFunction;

import java.nio.ByteBuffer;

/**
 * The binary form of one file-state cache value. Big-endian:
 *
 * <pre>
 * offset  bytes  field
 *  0       1     format version (1)
 *  1       1     flags: bit 0 = the chunk table lives in a side file
 *  2       8     size
 * 10       8     mtime, ns since the epoch
 * 18       8     inode
 * 26       8     device
 * 34       8     ctime, ns since the epoch
 * 42       4     chunker min      46  4  chunker avg      50  4  chunker max
 * 54       1     chunker normalization
 * 55      32     SHA-256 of the file
 * 87       4     chunk count
 * 91       ...   inline:    count x (int32 length, int64 id hi, int64 id lo)
 *                side file: 16-byte XXH3-128 of the side file (its name)
 * end-8    8     XXH3-64 over the key's characters and every byte above
 * </pre>
 *
 * <p>A value that fails any check decodes to null: the cache treats it as a miss.
 */
final class FileStateCodec {
    static final int FORMAT = 1;
    static final int FLAG_SIDE_FILE = 1;
    static final int HEADER = 91;
    static final int CHECK = 8;
    static final int CHUNK_BYTES = 20;
    static final int SIDE_ID_BYTES = 16;

    private static final LongHashFunction XX3 = LongHashFunction.xx3();

    private FileStateCodec() {
    }

    /** A decoded, checked value. {@code chunks} is null when they live in a side file. */
    record Value(FileStat stat, ChunkerParams params, byte[] sha256, int chunkCount, ChunkList chunks,
                 long sideHi, long sideLo) {
        boolean inSideFile() {
            return chunks == null;
        }
    }

    /** The chunk table alone: count x 20 bytes. */
    static byte[] table(ChunkList chunks) {
        byte[] t = new byte[chunks.size() * CHUNK_BYTES];
        ByteBuffer b = ByteBuffer.wrap(t);
        for (int i = 0; i < chunks.size(); i++) {
            b.putInt(chunks.length(i)).putLong(chunks.idHi(i)).putLong(chunks.idLo(i));
        }
        return t;
    }

    /**
     * Encodes a value. With {@code side} null the table goes inline; otherwise {@code side}
     * is the side file's id.
     */
    static byte[] encode(String key, FileStat stat, ChunkerParams p, ChunkedFile f, byte[] table, ChunkId side) {
        int body = side == null ? table.length : SIDE_ID_BYTES;
        byte[] v = new byte[HEADER + body + CHECK];
        ByteBuffer b = ByteBuffer.wrap(v);
        b.put((byte) FORMAT).put((byte) (side == null ? 0 : FLAG_SIDE_FILE));
        b.putLong(stat.size()).putLong(stat.mtimeNanos()).putLong(stat.inode()).putLong(stat.device())
                .putLong(stat.ctimeNanos());
        b.putInt(p.min()).putInt(p.avg()).putInt(p.max()).put((byte) p.normalization());
        b.put(f.sha256());
        b.putInt(f.chunks().size());
        if (side == null) {
            b.put(table);
        } else {
            b.putLong(side.hi()).putLong(side.lo());
        }
        b.putLong(check(key, v, v.length - CHECK));
        return v;
    }

    /** Decodes and checks a value stored under {@code key}; null if it is damaged or foreign. */
    static Value decode(String key, byte[] v) {
        if (v == null || v.length < HEADER + CHECK || v[0] != FORMAT) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        if (b.getLong(v.length - CHECK) != check(key, v, v.length - CHECK)) {
            return null;
        }
        boolean side = (v[1] & FLAG_SIDE_FILE) != 0;
        b.position(2);
        long size = b.getLong();
        FileStat stat = new FileStat(FileStat.Kind.FILE, 0, size, b.getLong(), b.getLong(), b.getLong(), b.getLong());
        int min = b.getInt();
        int avg = b.getInt();
        int max = b.getInt();
        int nc = b.get();
        ChunkerParams params;
        try {
            params = new ChunkerParams(min, avg, max, nc);
        } catch (IllegalArgumentException e) {
            return null;
        }
        byte[] sha = new byte[Sha256.BYTES];
        b.get(sha);
        int count = b.getInt();
        if (count < 0 || size < 0 || (size == 0) != (count == 0)) {
            return null;
        }
        if (side) {
            if (v.length != HEADER + SIDE_ID_BYTES + CHECK) {
                return null;
            }
            return new Value(stat, params, sha, count, null, b.getLong(), b.getLong());
        }
        if ((long) count * CHUNK_BYTES != v.length - HEADER - CHECK) {
            return null;
        }
        ChunkList chunks = chunks(v, HEADER, count, size);
        return chunks == null ? null : new Value(stat, params, sha, count, chunks, 0, 0);
    }

    /**
     * Reads {@code count} table rows from {@code t} at {@code off}; null unless every length is
     * positive and they add up to {@code size}.
     */
    static ChunkList chunks(byte[] t, int off, int count, long size) {
        if (t.length - off < (long) count * CHUNK_BYTES) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(t, off, count * CHUNK_BYTES);
        ChunkList.Builder cl = ChunkList.builder(count);
        long total = 0;
        for (int i = 0; i < count; i++) {
            int len = b.getInt();
            if (len <= 0) {
                return null;
            }
            total += len;
            cl.add(len, b.getLong(), b.getLong());
        }
        return total == size ? cl.build() : null;
    }

    /** XXH3-128 of a side file's bytes: its name and its check. */
    static ChunkId sideId(byte[] table) {
        return ChunkId.hash(table, 0, table.length);
    }

    private static long check(String key, byte[] v, int len) {
        return XX3.hashBytes(v, 0, len) * 31 + XX3.hashChars(key);
    }
}
