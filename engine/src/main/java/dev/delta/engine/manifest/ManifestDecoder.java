package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.delta.engine.manifest.ManifestCodec.CHECKSUM_BYTES;
import static dev.delta.engine.manifest.ManifestCodec.CHUNK_RECORD_BYTES;

/**
 * Parses the canonical encoding from an array (read in place) or a stream (through a 64 KiB
 * window). Every count and length is checked against {@link ManifestLimits} and against the
 * input that can remain before anything is allocated for it; every failure is a
 * {@link ManifestFormatException} naming the byte offset and field. One instance per decoding.
 */
final class ManifestDecoder {
    private final ManifestLimits limits;
    private final boolean verifyChecksum;
    private final InputStream in; // null when buf holds all the input
    private final long inputEnd;  // absolute end of the input, or -1 for a stream
    private byte[] buf;
    private int pos;
    private int lim;
    private long base;   // absolute offset of buf[0]
    private int crcPos;  // buf[crcPos, pos) is not yet in the CRC
    private final CRC32C crc = new CRC32C();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private CharBuffer chars;

    // Where we are, for error messages; built into text only when something fails.
    private static final int HEADER = -1;
    private static final int TRAILER = -2;
    private int entryIndex = HEADER;
    private String entryPath;
    private int chunkIndex = -1;
    private long totalChunks;

    private ManifestDecoder(ManifestLimits limits, boolean verifyChecksum, InputStream in, byte[] buf, int off,
                            int len) {
        this.limits = limits;
        this.verifyChecksum = verifyChecksum;
        this.in = in;
        this.buf = buf;
        this.pos = off;
        this.crcPos = off;
        this.lim = off + len;
        this.base = -off;
        this.inputEnd = in == null ? len : -1;
    }

    static Manifest decode(byte[] b, int off, int len, ManifestLimits limits, boolean verifyChecksum)
            throws ManifestFormatException {
        if (len > limits.maxManifestBytes()) {
            throw new ManifestFormatException(0, "manifest of " + len + " bytes exceeds the limit of "
                    + limits.maxManifestBytes() + " bytes");
        }
        try {
            return new ManifestDecoder(limits, verifyChecksum, null, b, off, len).manifest();
        } catch (ManifestFormatException e) {
            boolean beforeChecksum = !e.getMessage().startsWith("checksum") && !e.getMessage().startsWith("trailing");
            throw verifyChecksum && beforeChecksum && !checksumMatches(b, off, len)
                    ? new ManifestFormatException(e.offset(), e.getMessage()
                            + " (the trailing checksum does not match either: the manifest is truncated or corrupt)")
                    : e;
        } catch (IOException e) {
            throw new IllegalStateException("unreachable: an array source has no I/O to fail", e);
        }
    }

    static Manifest decode(InputStream in, ManifestLimits limits, boolean verifyChecksum) throws IOException {
        return new ManifestDecoder(limits, verifyChecksum, in, new byte[ManifestEncoder.STREAM_BUFFER], 0, 0)
                .manifest();
    }

    private static boolean checksumMatches(byte[] b, int off, int len) {
        if (len < CHECKSUM_BYTES) {
            return false;
        }
        CRC32C c = new CRC32C();
        c.update(b, off, len - CHECKSUM_BYTES);
        int end = off + len - CHECKSUM_BYTES;
        int stored = ((b[end] & 0xff) << 24) | ((b[end + 1] & 0xff) << 16) | ((b[end + 2] & 0xff) << 8)
                | (b[end + 3] & 0xff);
        return stored == (int) c.getValue();
    }

    private Manifest manifest() throws IOException {
        long at = position();
        int magic = readInt("magic");
        if (magic != ManifestCodec.MAGIC) {
            throw new ManifestFormatException(at, String.format(
                    "not a Delta manifest: magic at byte 0 is 0x%08x, expected 0x%08x", magic, ManifestCodec.MAGIC));
        }
        at = position();
        int format = readU16("format version");
        if (format != ManifestCodec.FORMAT_VERSION) {
            throw new ManifestFormatException(at, "unsupported manifest format version " + format + " at byte " + at
                    + " (this build reads version " + ManifestCodec.FORMAT_VERSION + ")");
        }
        at = position();
        int flags = readU16("flags");
        if (flags != 0) {
            throw fail(at, String.format("unknown header flags 0x%04x (must be 0)", flags));
        }
        at = position();
        String dataset = readString("dataset", Manifest.MAX_DATASET_LENGTH);
        try {
            Manifest.validateDataset(dataset);
        } catch (IllegalArgumentException e) {
            throw fail(at, "bad header dataset: " + e.getMessage());
        }
        at = position();
        long version = readLong("version");
        long parent = readLong("parent version");
        if (version < 1 || parent < 0 || parent >= version) {
            throw fail(at, "bad header versions: version " + version + ", parent " + parent
                    + " (need version >= 1 and 0 <= parent < version)");
        }
        long created = readLong("created time");
        ChunkerParams chunker = chunkerParams();
        at = position();
        long count = readU32("entry count");
        checkCount(at, "entry count", count, limits.maxEntries(), ManifestCodec.MIN_ENTRY_BYTES);
        List<Entry> entries = new ArrayList<>((int) Math.min(count, in == null ? count : 4096));
        for (int i = 0; i < count; i++) {
            entryIndex = i;
            entryPath = null;
            Entry e = entry(entries.isEmpty() ? null : entries.get(entries.size() - 1).path());
            entries.add(e);
        }
        entryIndex = TRAILER;
        checksumAndEnd();
        try {
            return new Manifest(dataset, version, parent, created, chunker, entries, true); // order checked above
        } catch (IllegalArgumentException e) {
            throw fail(-1, "inconsistent manifest: " + e.getMessage());
        }
    }

    private ChunkerParams chunkerParams() throws IOException {
        long at = position();
        int min = readInt("chunker min");
        int avg = readInt("chunker avg");
        int max = readInt("chunker max");
        int nc = readU8("chunker normalization");
        try {
            return new ChunkerParams(min, avg, max, nc);
        } catch (IllegalArgumentException e) {
            throw fail(at, "bad header chunker parameters: " + e.getMessage());
        }
    }

    private Entry entry(String previousPath) throws IOException {
        long start = position();
        int code = readU8("type");
        EntryType type = EntryType.ofCode(code);
        if (type == null) {
            throw fail(start, "unknown entry type code " + code);
        }
        long at = position();
        String path = readString("path", ManifestPath.MAX_BYTES);
        String problem = ManifestPath.problem(path);
        if (problem != null) {
            throw fail(at, "unsafe path " + ManifestPath.quote(path) + ": " + problem);
        }
        entryPath = path;
        if (previousPath != null && ManifestPath.compare(previousPath, path) >= 0) {
            throw fail(at, previousPath.equals(path) ? "duplicate path" : "entries out of order: "
                    + ManifestPath.quote(path) + " must sort after the previous entry " + ManifestPath.quote(previousPath));
        }
        at = position();
        int mode = readU16("mode");
        if ((mode & ~07777) != 0 || (type == EntryType.SYMLINK && mode != 0777)) {
            throw fail(at, "bad mode 0" + Integer.toOctalString(mode) + (type == EntryType.SYMLINK
                    ? " (a symlink's mode is always 0777)" : " (bits beyond 07777)"));
        }
        long mtime = readLong("mtime");
        try {
            switch (type) {
                case FILE:
                    return file(path, mode, mtime);
                case SYMLINK:
                    return symlink(path, mtime);
                default:
                    return Entry.decodedDir(path, mode, mtime);
            }
        } catch (IllegalArgumentException e) {
            throw fail(start, "invalid entry: " + e.getMessage());
        }
    }

    private Entry file(String path, int mode, long mtime) throws IOException {
        long at = position();
        long size = readLong("size");
        if (size < 0) {
            throw fail(at, "negative size " + size);
        }
        ensure(Sha256.BYTES, "sha256");
        byte[] sha = new byte[Sha256.BYTES];
        System.arraycopy(buf, pos, sha, 0, Sha256.BYTES);
        pos += Sha256.BYTES;
        at = position();
        long count = readU32("chunk count");
        checkCount(at, "chunk count", count, limits.maxChunksPerFile(), CHUNK_RECORD_BYTES);
        if (totalChunks + count > limits.maxTotalChunks()) {
            throw fail(at, "chunk count " + count + " brings the manifest to " + (totalChunks + count)
                    + " chunks, over the limit of " + limits.maxTotalChunks());
        }
        totalChunks += count;
        int n = (int) count;
        // An array's remaining length bounds n already; a stream's does not, so grow as records arrive.
        ChunkList.Builder chunks = ChunkList.builder(in == null ? n : Math.min(n, 8192));
        for (int i = 0; i < n; i++) {
            chunkIndex = i;
            ensure(CHUNK_RECORD_BYTES, "record");
            int length = getInt();
            if (length <= 0) {
                throw fail(position() - 4, "chunk length " + Integer.toUnsignedString(length)
                        + " must be between 1 and " + Integer.MAX_VALUE);
            }
            chunks.add(length, getLong(), getLong());
        }
        chunkIndex = -1;
        if (chunks.totalLength() != size) {
            throw fail(at, "chunks cover " + chunks.totalLength() + " bytes but the size field says " + size);
        }
        return Entry.decodedFile(path, mode, mtime, size, sha, chunks.build());
    }

    private Entry symlink(String path, long mtime) throws IOException {
        long at = position();
        String target = readString("target", Entry.MAX_TARGET_BYTES);
        if (target.indexOf('\0') >= 0) {
            throw fail(at, "symlink target contains a NUL character");
        }
        return Entry.symlink(path, target, mtime);
    }

    private void checksumAndEnd() throws IOException {
        if (verifyChecksum) {
            crc.update(buf, crcPos, pos - crcPos);
            crcPos = pos;
        }
        long at = position();
        int computed = (int) crc.getValue();
        int stored = readInt("checksum");
        if (verifyChecksum && stored != computed) {
            throw new ManifestFormatException(at, String.format("checksum mismatch: CRC32C stored at byte %d is "
                    + "0x%08x, but bytes 0..%d compute to 0x%08x (the manifest is corrupt)", at, stored, at - 1, computed));
        }
        long trailing = in == null ? inputEnd - position() : (pos < lim || fill(1) ? 1 : 0);
        if (trailing > 0) {
            throw new ManifestFormatException(position(), "trailing bytes after the checksum at byte " + at
                    + (in == null ? ": " + trailing + " more" : ""));
        }
    }

    /** Rejects a count over its limit or claiming more records than the input can still hold. */
    private void checkCount(long at, String field, long count, long limit, int minRecordBytes)
            throws ManifestFormatException {
        if (count > limit) {
            throw fail(at, field + " " + count + " is over the limit of " + limit);
        }
        long room = remaining() - CHECKSUM_BYTES;
        if (count * minRecordBytes > room) {
            throw fail(at, (in == null ? "truncated manifest: " : "") + field + " " + count + " needs at least " + count * minRecordBytes + " more bytes"
                    + leftOf(room));
        }
    }

    /** The end of a "needs N more bytes" message: what an array has left, or the stream size limit. */
    private String leftOf(long room) {
        return in == null ? ", " + Math.max(0, room) + " left before the checksum"
                : ", more than the manifest size limit of " + limits.maxManifestBytes() + " bytes allows ("
                + Math.max(0, room) + " left)";
    }

    // ---- primitive reads -------------------------------------------------------------------

    private long position() {
        return base + pos;
    }

    /** Bytes that can still follow: what the array holds, or what the size limit allows a stream. */
    private long remaining() {
        return (in == null ? inputEnd : limits.maxManifestBytes()) - position();
    }

    private void ensure(int n, String field) throws IOException {
        if (lim - pos >= n) {
            return;
        }
        if (in != null && position() + n > limits.maxManifestBytes()) {
            throw fail(position(), "manifest exceeds the limit of " + limits.maxManifestBytes() + " bytes: "
                    + describe(field) + " at byte " + position() + " needs " + n + " bytes");
        }
        if (in == null || !fill(n)) {
            throw new ManifestFormatException(position(), "truncated manifest: " + describe(field) + " at byte "
                    + position() + " needs " + n + " bytes, " + (lim - pos) + " left");
        }
    }

    /** Moves the unread bytes to the front of the window and reads until {@code n} are there. */
    private boolean fill(int n) throws IOException {
        if (verifyChecksum) {
            crc.update(buf, crcPos, pos - crcPos);
        }
        int unread = lim - pos;
        System.arraycopy(buf, pos, buf, 0, unread);
        base += pos;
        pos = 0;
        crcPos = 0;
        lim = unread;
        while (lim < n) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                return false;
            }
            lim += r;
        }
        return true;
    }

    private int readU8(String field) throws IOException {
        ensure(1, field);
        return buf[pos++] & 0xff;
    }

    private int readU16(String field) throws IOException {
        ensure(2, field);
        int v = ((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    private int readInt(String field) throws IOException {
        ensure(4, field);
        return getInt();
    }

    private long readU32(String field) throws IOException {
        return readInt(field) & 0xffffffffL;
    }

    private long readLong(String field) throws IOException {
        ensure(8, field);
        return getLong();
    }

    private int getInt() {
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
                | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    private long getLong() {
        return ((long) getInt() << 32) | (getInt() & 0xffffffffL);
    }

    /** A u16 length, checked against its limits and the input, then that many bytes of strict UTF-8. */
    private String readString(String field, int maxBytes) throws IOException {
        long at = position();
        int len = readU16(field + " length");
        int limit = Math.min(maxBytes, limits.maxStringBytes());
        if (len == 0 || len > limit) {
            throw fail(at, field + " length " + len + " must be between 1 and " + limit + " bytes");
        }
        if (len > remaining() - CHECKSUM_BYTES) {
            throw fail(at, (in == null ? "truncated manifest: " : "") + field + " of " + len + " bytes at byte " + (at + 2) + " needs more bytes"
                    + leftOf(remaining() - CHECKSUM_BYTES));
        }
        ensure(len, field);
        boolean ascii = true;
        for (int i = pos; i < pos + len && ascii; i++) {
            ascii = buf[i] >= 0;
        }
        String s;
        if (ascii) {
            s = new String(buf, pos, len, StandardCharsets.ISO_8859_1); // same chars, no decoder round trip
        } else {
            s = decodeUtf8(field, len);
        }
        pos += len;
        return s;
    }

    private String decodeUtf8(String field, int len) throws ManifestFormatException {
        if (chars == null || chars.capacity() < len) {
            chars = CharBuffer.allocate(Math.max(len, 256));
        }
        chars.clear();
        utf8.reset();
        ByteBuffer bytes = ByteBuffer.wrap(buf, pos, len);
        CoderResult r = utf8.decode(bytes, chars, true);
        if (!r.isError()) {
            r = utf8.flush(chars);
        }
        if (r.isError()) {
            long bad = base + bytes.position();
            throw fail(bad, "invalid UTF-8 in " + field + " (byte " + (bytes.position() - pos) + " of " + len + ")");
        }
        return chars.flip().toString();
    }

    // ---- errors -----------------------------------------------------------------------------

    private ManifestFormatException fail(long at, String what) {
        String where = entryIndex == HEADER ? "header" : entryIndex == TRAILER ? "trailer" : "entry " + entryIndex
                + (entryPath == null ? "" : " (" + ManifestPath.quote(entryPath) + ")");
        return new ManifestFormatException(at, what + " [" + where + (at >= 0 ? ", byte " + at : "") + "]");
    }

    private String describe(String field) {
        if (entryIndex < 0) {
            return (entryIndex == HEADER ? "header " : "trailer ") + field;
        }
        StringBuilder sb = new StringBuilder("entry ").append(entryIndex);
        if (entryPath != null) {
            sb.append(" (").append(ManifestPath.quote(entryPath)).append(')');
        }
        if (chunkIndex >= 0) {
            sb.append(" chunk ").append(chunkIndex);
        }
        return sb.append(' ').append(field).toString();
    }
}
