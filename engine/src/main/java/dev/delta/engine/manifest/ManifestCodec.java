package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * The canonical binary encoding of a {@link Manifest}, version 1, and its root digest.
 *
 * <p>All integers are big-endian and fixed-width; strings are a u16 byte length then strict
 * UTF-8. Equal manifests encode to equal bytes, so SHA-256 of the encoding (the <em>root
 * digest</em>) identifies a version. The full byte-level specification is
 * {@code docs/manifest-format.md}; in short:
 *
 * <pre>
 *  header   magic 89 44 4D 46 | u16 format = 1 | u16 flags = 0 | u16 len, dataset
 *           i64 version | i64 parent | i64 created ms | u32 min | u32 avg | u32 max | u8 nc
 *           u32 entry count
 *  entry    u8 type | u16 len, path | u16 mode | i64 mtime ns | ...
 *    file     i64 size | 32 B sha256 | u32 chunk count | count x (u32 length | 16 B id)
 *    symlink  u16 len, target
 *    dir      (nothing more)
 *  trailer  u32 CRC32C of every byte before it
 * </pre>
 *
 * <p>Encoding streams through a 64 KiB window; decoding checks every count and length against
 * {@link ManifestLimits} and the remaining input before allocating, and reports any problem as a
 * {@link ManifestFormatException} naming the byte offset and field. Instances are immutable and
 * thread-safe.
 */
public final class ManifestCodec {
    /** The first four bytes: 0x89 'D' 'M' 'F' (the high byte catches 7-bit and text-mode mangling). */
    public static final int MAGIC = 0x89444D46;
    /** The format version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** Bytes per chunk record: u32 length + 16-byte id. */
    public static final int CHUNK_RECORD_BYTES = 4 + 16;
    /** Bytes of the trailing CRC32C. */
    public static final int CHECKSUM_BYTES = 4;

    /** Header bytes other than the dataset name. */
    static final int HEADER_FIXED_BYTES = 4 + 2 + 2 + 2 + 8 + 8 + 8 + 4 + 4 + 4 + 1 + 4;
    /** Entry bytes other than the path and the type-specific part. */
    static final int ENTRY_FIXED_BYTES = 1 + 2 + 2 + 8;
    /** File entry bytes other than the chunk records: size, sha256, chunk count. */
    static final int FILE_FIXED_BYTES = 8 + 32 + 4;
    /** The smallest possible entry: a directory with a one-byte path. */
    static final int MIN_ENTRY_BYTES = ENTRY_FIXED_BYTES + 1;

    private final ManifestLimits limits;

    /** A codec that decodes within {@link ManifestLimits#DEFAULT}. */
    public ManifestCodec() {
        this(ManifestLimits.DEFAULT);
    }

    public ManifestCodec(ManifestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public ManifestLimits limits() {
        return limits;
    }

    /** The encoding of {@code m} in one exactly-sized array. */
    public byte[] encode(Manifest m) {
        return ManifestEncoder.toArray(m);
    }

    /**
     * Streams the encoding of {@code m} to {@code out} through a 64 KiB buffer, without holding the
     * whole encoding in memory. Does not close {@code out}.
     *
     * @return the number of bytes written
     */
    public long encode(Manifest m, OutputStream out) throws IOException {
        return ManifestEncoder.toStream(m, out);
    }

    /** The exact length of {@code m}'s encoding, checksum included, computed without encoding it. */
    public static long encodedSize(Manifest m) {
        return ManifestEncoder.encodedSize(m);
    }

    /** Decodes a whole encoding; the array must hold exactly one manifest and nothing after it. */
    public Manifest decode(byte[] encoded) throws ManifestFormatException {
        return decode(encoded, 0, encoded.length);
    }

    /** Decodes {@code len} bytes of {@code b} from {@code off}, which must be exactly one manifest. */
    public Manifest decode(byte[] b, int off, int len) throws ManifestFormatException {
        Objects.checkFromIndexSize(off, len, b.length);
        return ManifestDecoder.decode(b, off, len, limits, true);
    }

    /**
     * Decodes a manifest from {@code in}, reading it to its end (bytes after the checksum are an
     * error). Does not close {@code in}.
     *
     * @throws ManifestFormatException when the bytes are not an acceptable manifest
     * @throws IOException             when reading fails
     */
    public Manifest decode(InputStream in) throws IOException {
        return ManifestDecoder.decode(in, limits, true);
    }

    /**
     * Decodes without verifying the trailing checksum (it must still be present), so that a fuzzer
     * mutating valid encodings reaches the deeper parsing. Never use it on untrusted input.
     */
    Manifest decodeIgnoringChecksum(byte[] b) throws ManifestFormatException {
        return ManifestDecoder.decode(b, 0, b.length, limits, false);
    }

    /** What {@link #summarize} reads from an encoding without decoding its entries. */
    public record Summary(String dataset, long version, long createdMillis, long entries, long files,
                          long totalBytes) {
    }

    /**
     * Skims an encoding for its dataset, version, creation time, entry and file counts and total file bytes,
     * without building entries or checking paths, ids and the checksum: for figures about a
     * manifest already verified (a committed release's), at a fraction of a decode's cost.
     *
     * @throws ManifestFormatException when the bytes are not laid out as a manifest
     */
    public static Summary summarize(byte[] encoded) throws ManifestFormatException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(encoded);
        try {
            if (b.getInt() != MAGIC || (b.getShort() & 0xffff) != FORMAT_VERSION) {
                throw new ManifestFormatException(0, "not a Delta manifest of format " + FORMAT_VERSION);
            }
            b.getShort(); // flags
            int len = b.getShort() & 0xffff;
            if (len > b.remaining()) {
                throw new ManifestFormatException(b.position(), "truncated manifest");
            }
            String dataset = new String(encoded, b.position(), Math.min(len, b.remaining()),
                    java.nio.charset.StandardCharsets.UTF_8);
            b.position(b.position() + len);
            long version = b.getLong();
            b.position(b.position() + 8); // parent
            long created = b.getLong();
            b.position(b.position() + 4 + 4 + 4 + 1); // chunker
            long count = b.getInt() & 0xffffffffL;
            long files = 0;
            long total = 0;
            for (long i = 0; i < count; i++) {
                int type = b.get() & 0xff;
                int pathLen = b.getShort() & 0xffff;
                b.position(b.position() + pathLen + 2 + 8); // path, mode, mtime
                if (type == EntryType.FILE.code()) {
                    total += b.getLong();
                    b.position(b.position() + 32);
                    long chunks = b.getInt() & 0xffffffffL;
                    if (chunks * CHUNK_RECORD_BYTES > b.remaining()) {
                        throw new ManifestFormatException(b.position(), "truncated manifest");
                    }
                    b.position(b.position() + (int) chunks * CHUNK_RECORD_BYTES);
                    files++;
                } else if (type == EntryType.SYMLINK.code()) {
                    int targetLen = b.getShort() & 0xffff;
                    b.position(b.position() + targetLen);
                }
            }
            return new Summary(dataset, version, created, count, files, total);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new ManifestFormatException(b.position(), "truncated manifest");
        }
    }

    /** The root digest of an encoding: SHA-256 of all of its bytes, checksum included. */
    public static byte[] rootDigest(byte[] encoded) {
        return Sha256.of(encoded);
    }

    /** The root digest of {@code m}, computed by streaming its encoding into SHA-256 (no copy held). */
    public byte[] rootDigest(Manifest m) {
        MessageDigest md = Sha256.newDigest();
        try {
            ManifestEncoder.toStream(m, new OutputStream() {
                @Override
                public void write(int b) {
                    md.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    md.update(b, off, len);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("a digest stream cannot fail", e);
        }
        return md.digest();
    }
}
