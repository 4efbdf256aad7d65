package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.delta.engine.manifest.ManifestCodec.CHECKSUM_BYTES;
import static dev.delta.engine.manifest.ManifestCodec.CHUNK_RECORD_BYTES;

/**
 * Writes the canonical encoding (see {@link ManifestCodec}) into a scratch buffer that is either
 * the exact-size result array or a 64 KiB window flushed to an {@link OutputStream}, so a
 * million-chunk manifest is never held twice in memory. Not thread-safe; one per encoding.
 */
final class ManifestEncoder {
    /** Window size when streaming; larger than the longest string field plus its length prefix. */
    static final int STREAM_BUFFER = 64 * 1024 + 64;

    private final byte[] buf;
    private final OutputStream out; // null when buf is the whole result
    private final CRC32C crc = new CRC32C();
    private int pos;
    private int crcPos; // buf[crcPos, pos) is not yet in the CRC
    private long flushed;

    private ManifestEncoder(byte[] buf, OutputStream out) {
        this.buf = buf;
        this.out = out;
    }

    /** Encodes into a new array of exactly {@link #encodedSize} bytes. */
    static byte[] toArray(Manifest m) {
        long size = encodedSize(m);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("manifest encodes to " + size
                    + " bytes, too many for one array; stream it with encode(Manifest, OutputStream)");
        }
        ManifestEncoder enc = new ManifestEncoder(new byte[(int) size], null);
        try {
            enc.write(m);
        } catch (IOException e) {
            throw new UncheckedIOException("unreachable: no stream to fail", e);
        }
        return enc.buf;
    }

    /**
     * Encodes {@code m} into a new array, copying the encoding of each entry {@code k} with
     * {@code fromBase[k] >= 0} from {@code baseEncoded[baseStarts[i], baseStarts[i + 1])},
     * {@code i = fromBase[k]}, instead of encoding it (entries encode independently of each other).
     * The caller vouches that those bytes encode that entry, or checks the result's root digest.
     */
    static byte[] toArraySpliced(Manifest m, int[] fromBase, byte[] baseEncoded, int[] baseStarts) {
        return toArraySpliced(m, fromBase, baseEncoded, baseStarts, splicedSize(m, fromBase, baseStarts));
    }

    /** Same, given {@link #splicedSize} (the caller checks it against its limits first). */
    static byte[] toArraySpliced(Manifest m, int[] fromBase, byte[] baseEncoded, int[] baseStarts, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("manifest encodes to " + size + " bytes, too many for one array");
        }
        ManifestEncoder enc = new ManifestEncoder(new byte[(int) size], null);
        try {
            enc.writeHeader(m);
            List<Entry> entries = m.entries();
            for (int k = 0; k < entries.size(); k++) {
                int i = fromBase[k];
                if (i < 0) {
                    enc.writeEntry(entries.get(k));
                } else {
                    int n = baseStarts[i + 1] - baseStarts[i];
                    if (enc.pos + n > enc.buf.length - CHECKSUM_BYTES) {
                        throw new IllegalArgumentException("base bytes do not encode the base's entries");
                    }
                    System.arraycopy(baseEncoded, baseStarts[i], enc.buf, enc.pos, n);
                    enc.pos += n;
                }
            }
            enc.writeChecksum();
        } catch (IOException e) {
            throw new UncheckedIOException("unreachable: no stream to fail", e);
        }
        if (enc.pos != enc.buf.length) {
            throw new IllegalArgumentException("base bytes do not encode the base's entries");
        }
        return enc.buf;
    }

    /**
     * Where each entry of an encoded manifest starts ({@code count + 1} offsets, the last one
     * where the checksum starts), found by skipping through the fields without decoding them; null
     * when the bytes do not hold exactly {@code count} well-framed entries.
     */
    static int[] entryStarts(byte[] encoded, int count) {
        try {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(encoded);
            b.position(8);
            int dataset = b.getShort() & 0xffff;
            b.position(b.position() + dataset + 8 * 3 + 4 * 3 + 1);
            if ((b.getInt() & 0xffffffffL) != count) {
                return null;
            }
            int[] starts = new int[count + 1];
            for (int i = 0; i < count; i++) {
                starts[i] = b.position();
                int type = b.get() & 0xff;
                int pathLen = b.getShort() & 0xffff;
                b.position(b.position() + pathLen + 2 + 8);
                if (type == EntryType.FILE.code()) {
                    b.position(b.position() + 8 + 32);
                    long chunks = b.getInt() & 0xffffffffL;
                    if (chunks * CHUNK_RECORD_BYTES > b.remaining()) {
                        return null;
                    }
                    b.position(b.position() + (int) chunks * CHUNK_RECORD_BYTES);
                } else if (type == EntryType.SYMLINK.code()) {
                    int t = b.getShort() & 0xffff;
                    b.position(b.position() + t);
                }
            }
            starts[count] = b.position();
            return b.remaining() == CHECKSUM_BYTES ? starts : null;
        } catch (RuntimeException e) { // BufferUnderflow, IllegalArgument from position(): not our bytes
            return null;
        }
    }

    /** Encodes to {@code out}, returning the number of bytes written; does not close {@code out}. */
    static long toStream(Manifest m, OutputStream out) throws IOException {
        ManifestEncoder enc = new ManifestEncoder(new byte[STREAM_BUFFER], out);
        enc.write(m);
        enc.flush();
        return enc.flushed;
    }

    /** Exact length of the encoding of {@code m}, checksum included. */
    static long encodedSize(Manifest m) {
        long n = ManifestCodec.HEADER_FIXED_BYTES + utf8Length(m.dataset());
        for (Entry e : m.entries()) {
            n += entrySize(e);
        }
        return n + CHECKSUM_BYTES;
    }

    /**
     * The length {@link #toArraySpliced} gives {@code m}: each entry taken from the base counts
     * the base's bytes for it, so only the entries that changed have their paths measured (on an
     * 80,000-entry tree that is every path's UTF-8 length not computed again). The same as
     * {@link #encodedSize} when the base bytes encode the base's entries.
     */
    static long splicedSize(Manifest m, int[] fromBase, int[] baseStarts) {
        long n = ManifestCodec.HEADER_FIXED_BYTES + utf8Length(m.dataset());
        List<Entry> entries = m.entries();
        for (int k = 0; k < entries.size(); k++) {
            int i = fromBase[k];
            n += i < 0 ? entrySize(entries.get(k)) : baseStarts[i + 1] - baseStarts[i];
        }
        return n + CHECKSUM_BYTES;
    }

    private static long entrySize(Entry e) {
        long n = ManifestCodec.ENTRY_FIXED_BYTES + utf8Length(e.path());
        switch (e.type()) {
            case FILE:
                return n + ManifestCodec.FILE_FIXED_BYTES + (long) CHUNK_RECORD_BYTES * e.chunks().size();
            case SYMLINK:
                return n + 2 + utf8Length(e.target());
            default:
                return n;
        }
    }

    private void write(Manifest m) throws IOException {
        writeHeader(m);
        for (Entry e : m.entries()) {
            writeEntry(e);
        }
        writeChecksum();
    }

    private void writeHeader(Manifest m) throws IOException {
        ensure(ManifestCodec.HEADER_FIXED_BYTES);
        putInt(ManifestCodec.MAGIC);
        putShort(ManifestCodec.FORMAT_VERSION);
        putShort(0); // flags
        putString(m.dataset());
        ensure(8 * 3 + 4 * 3 + 1 + 4);
        putLong(m.version());
        putLong(m.parentVersion());
        putLong(m.createdMillis());
        ChunkerParams p = m.chunker();
        putInt(p.min());
        putInt(p.avg());
        putInt(p.max());
        buf[pos++] = (byte) p.normalization();
        putInt(m.entries().size());
    }

    private void writeChecksum() throws IOException {
        crc.update(buf, crcPos, pos - crcPos);
        crcPos = pos;
        ensure(CHECKSUM_BYTES);
        putInt((int) crc.getValue());
    }

    private void writeEntry(Entry e) throws IOException {
        ensure(1);
        buf[pos++] = (byte) e.type().code();
        putString(e.path());
        ensure(2 + 8);
        putShort(e.mode());
        putLong(e.mtimeNanos());
        if (e.isFile()) {
            ensure(ManifestCodec.FILE_FIXED_BYTES);
            putLong(e.size());
            byte[] sha = e.sha256();
            System.arraycopy(sha, 0, buf, pos, sha.length);
            pos += sha.length;
            ChunkList chunks = e.chunks();
            int n = chunks.size();
            putInt(n);
            for (int i = 0; i < n; i++) {
                ensure(CHUNK_RECORD_BYTES);
                putInt(chunks.length(i));
                putLong(chunks.idHi(i));
                putLong(chunks.idLo(i));
            }
        } else if (e.isSymlink()) {
            putString(e.target());
        }
    }

    private void ensure(int n) throws IOException {
        if (buf.length - pos < n) {
            if (out == null) {
                throw new IllegalStateException("encoded size miscomputed: need " + n + " bytes at " + pos
                        + " of " + buf.length);
            }
            flush();
        }
    }

    private void flush() throws IOException {
        crc.update(buf, crcPos, pos - crcPos);
        out.write(buf, 0, pos);
        flushed += pos;
        pos = 0;
        crcPos = 0;
    }

    private void putShort(int v) {
        buf[pos] = (byte) (v >>> 8);
        buf[pos + 1] = (byte) v;
        pos += 2;
    }

    private void putInt(int v) {
        buf[pos] = (byte) (v >>> 24);
        buf[pos + 1] = (byte) (v >>> 16);
        buf[pos + 2] = (byte) (v >>> 8);
        buf[pos + 3] = (byte) v;
        pos += 4;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    /** Length-prefixed UTF-8, encoded straight into the buffer (no byte[] per string). */
    private void putString(String s) throws IOException {
        int len = utf8Length(s);
        if (len > 0xffff) {
            throw new IllegalArgumentException("string of " + len + " UTF-8 bytes does not fit a 16-bit length: "
                    + ManifestPath.quote(s));
        }
        ensure(2 + len);
        putShort(len);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                buf[pos++] = (byte) c;
            } else if (c < 0x800) {
                buf[pos++] = (byte) (0xc0 | (c >>> 6));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isSurrogate(c)) {
                int cp = s.codePointAt(i); // utf8Length has checked the pair
                buf[pos++] = (byte) (0xf0 | (cp >>> 18));
                buf[pos++] = (byte) (0x80 | ((cp >>> 12) & 0x3f));
                buf[pos++] = (byte) (0x80 | ((cp >>> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (cp & 0x3f));
                i++;
            } else {
                buf[pos++] = (byte) (0xe0 | (c >>> 12));
                buf[pos++] = (byte) (0x80 | ((c >>> 6) & 0x3f));
                buf[pos++] = (byte) (0x80 | (c & 0x3f));
            }
        }
    }

    /** UTF-8 length of {@code s}; rejects unpaired surrogates, which have no UTF-8 form. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= s.length()
                        || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw new IllegalArgumentException("string has an unpaired surrogate, not valid Unicode: "
                            + ManifestPath.quote(s));
                }
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
