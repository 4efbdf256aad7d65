package dev.delta.engine.manifest;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Writes the manifest format field by field with no validation, following
 * docs/manifest-format.md independently of the encoder, so tests can build any corrupt input.
 */
final class RawManifestWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    static RawManifestWriter header(String dataset, long entryCount) {
        return new RawManifestWriter().u32(ManifestCodec.MAGIC).u16(1).u16(0).string(dataset)
                .i64(2).i64(1).i64(1_700_000_000_000L)
                .u32(4096).u32(16384).u32(65536).u8(2)
                .u32(entryCount);
    }

    RawManifestWriter u8(int v) {
        return run(() -> out.writeByte(v));
    }

    RawManifestWriter u16(int v) {
        return run(() -> out.writeShort(v));
    }

    RawManifestWriter u32(long v) {
        return run(() -> out.writeInt((int) v));
    }

    RawManifestWriter i64(long v) {
        return run(() -> out.writeLong(v));
    }

    RawManifestWriter raw(byte... b) {
        return run(() -> out.write(b));
    }

    RawManifestWriter string(String s) {
        return string(s.getBytes(StandardCharsets.UTF_8));
    }

    RawManifestWriter string(byte[] utf8) {
        return u16(utf8.length).raw(utf8);
    }

    RawManifestWriter dir(String path, int mode, long mtime) {
        return u8(1).string(path).u16(mode).i64(mtime);
    }

    RawManifestWriter symlink(String path, String target) {
        return u8(2).string(path).u16(0777).i64(0).string(target);
    }

    /** A file entry whose chunk records have these lengths (ids are derived from the index). */
    RawManifestWriter file(String path, long size, long... chunkLengths) {
        u8(0).string(path).u16(0644).i64(0).i64(size).raw(new byte[32]).u32(chunkLengths.length);
        for (int i = 0; i < chunkLengths.length; i++) {
            u32(chunkLengths[i]).i64(i).i64(~i);
        }
        return this;
    }

    /** The bytes so far, without a checksum. */
    byte[] unsealed() {
        return bytes.toByteArray();
    }

    /** The bytes so far followed by their CRC32C. */
    byte[] sealed() {
        byte[] body = bytes.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(body);
        byte[] all = new byte[body.length + 4];
        System.arraycopy(body, 0, all, 0, body.length);
        int c = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            all[body.length + i] = (byte) (c >>> (24 - 8 * i));
        }
        return all;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private RawManifestWriter run(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
