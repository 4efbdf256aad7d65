package dev.delta.engine.manifest;

import dev.delta.engine.hash.Sha256;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The difference between two versions of a manifest, for the wire: an edge that holds the base
 * version receives only the entries that changed instead of the whole manifest (on an 80k-file
 * tree, kilobytes instead of megabytes).
 *
 * <pre>
 *  magic 89 44 4D 44 ("\x89DMD") | u16 format = 1
 *  i64 base version | 32 B base root digest | 32 B target root digest
 *  u32 deleted count | count x (u16 len, UTF-8 path)
 *  u32 partial length | partial: a canonical manifest encoding ({@link ManifestCodec}) holding the
 *                       target's header and only its added or changed entries
 *  u32 CRC32C of every byte before it
 * </pre>
 *
 * <p>{@link #apply} rebuilds the full target from the base and then checks that its root digest
 * is the announced one, so a delta can never produce a manifest other than the one signed and
 * announced by the origin. All integers are big-endian.
 */
public final class ManifestDelta {
    public static final int MAGIC = 0x89444D44;
    public static final int FORMAT_VERSION = 1;

    private ManifestDelta() {
    }

    /** Encodes what turns {@code base} into {@code target}. */
    public static byte[] encode(Manifest base, Manifest target) {
        ManifestCodec codec = new ManifestCodec();
        return encode(base, codec.rootDigest(base), target, codec.rootDigest(target));
    }

    /**
     * Same, for a caller that holds both root digests (a node keeps them beside its manifests):
     * neither manifest is encoded again to compute them. They must be the manifests' own.
     */
    public static byte[] encode(Manifest base, byte[] baseRoot, Manifest target, byte[] targetRoot) {
        ManifestCodec codec = new ManifestCodec();
        List<Entry> changed = new ArrayList<>();
        for (Entry e : target.entries()) {
            Entry b = base.get(e.path());
            if (!e.equals(b)) {
                changed.add(e);
            }
        }
        List<String> deleted = new ArrayList<>();
        for (Entry b : base.entries()) {
            if (target.get(b.path()) == null) {
                deleted.add(b.path());
            }
        }
        Manifest partial = new Manifest(target.dataset(), target.version(), target.parentVersion(),
                target.createdMillis(), target.chunker(), changed);
        byte[] part = codec.encode(partial);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(part.length + 128 + deleted.size() * 32);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeShort(FORMAT_VERSION);
            out.writeLong(base.version());
            out.write(baseRoot);
            out.write(targetRoot);
            out.writeInt(deleted.size());
            for (String p : deleted) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                out.writeShort(b.length);
                out.write(b);
            }
            out.writeInt(part.length);
            out.write(part);
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream failed", e);
        }
    }

    /**
     * Whether {@code delta} is intact and made from the base with root digest {@code baseRoot} to
     * the target with {@code targetRoot}: magic, format, both digests and the checksum. Cheap (no
     * decoding); a node checks a stored delta this way before serving it.
     */
    public static boolean describes(byte[] delta, byte[] baseRoot, byte[] targetRoot) {
        int fixed = 4 + 2 + 8 + 32 + 32;
        if (delta == null || delta.length < fixed + 4 + 4 + 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(delta);
        CRC32C crc = new CRC32C();
        crc.update(delta, 0, delta.length - 4);
        return b.getInt(0) == MAGIC && (b.getShort(4) & 0xffff) == FORMAT_VERSION
                && (int) crc.getValue() == b.getInt(delta.length - 4)
                && java.util.Arrays.equals(delta, 14, 46, baseRoot, 0, 32)
                && java.util.Arrays.equals(delta, 46, 78, targetRoot, 0, 32);
    }

    /** The base version a delta applies to, read from its header (the delta is not otherwise checked). */
    public static long baseVersion(byte[] delta) throws ManifestFormatException {
        if (delta.length < 14) {
            throw new ManifestFormatException(0, "truncated manifest delta: " + delta.length + " bytes");
        }
        return ByteBuffer.wrap(delta, 6, 8).getLong();
    }

    /**
     * Rebuilds the target manifest from {@code base} and {@code delta}.
     *
     * @param baseDigest root digest of {@code base} (the caller has it; saves an encoding pass)
     * @throws ManifestFormatException when the delta is corrupt, was made for another base, or does
     *                                 not reproduce the target root digest it announces
     */
    public static Manifest apply(Manifest base, byte[] baseDigest, byte[] delta, ManifestLimits limits)
            throws ManifestFormatException {
        return applyEncoded(base, baseDigest, delta, limits).manifest();
    }

    /** A manifest rebuilt from a delta, its canonical encoding and root digest (the one the delta announced). */
    public record Applied(Manifest manifest, byte[] encoded, byte[] rootDigest) {
    }

    /**
     * Like {@link #apply}, and also returns the target's canonical encoding: the caller that
     * stores the manifest needs it anyway, and the root digest is checked on those very bytes, so
     * the target is encoded once instead of twice.
     */
    public static Applied applyEncoded(Manifest base, byte[] baseDigest, byte[] delta, ManifestLimits limits)
            throws ManifestFormatException {
        ByteBuffer b = ByteBuffer.wrap(delta);
        int fixed = 4 + 2 + 8 + 32 + 32 + 4;
        if (delta.length < fixed + 4 + 4) {
            throw new ManifestFormatException(0, "truncated manifest delta: " + delta.length + " bytes, need at least "
                    + (fixed + 8));
        }
        CRC32C crc = new CRC32C();
        crc.update(delta, 0, delta.length - 4);
        if ((int) crc.getValue() != b.getInt(delta.length - 4)) {
            throw new ManifestFormatException(delta.length - 4, "manifest delta checksum mismatch (corrupt delta)");
        }
        if (b.getInt() != MAGIC) {
            throw new ManifestFormatException(0, "not a manifest delta (bad magic)");
        }
        int format = b.getShort() & 0xffff;
        if (format != FORMAT_VERSION) {
            throw new ManifestFormatException(4, "unsupported manifest delta format " + format);
        }
        long baseVersion = b.getLong();
        byte[] baseRoot = new byte[32];
        b.get(baseRoot);
        byte[] targetRoot = new byte[32];
        b.get(targetRoot);
        if (baseVersion != base.version() || !MessageDigest.isEqual(baseRoot, baseDigest)) {
            throw new ManifestFormatException(6, "manifest delta is for base v" + baseVersion + " ("
                    + Sha256.hex(baseRoot).substring(0, 16) + "…), not for the held v" + base.version());
        }
        long deletedCount = b.getInt() & 0xffffffffL;
        if (deletedCount > base.entries().size()) {
            throw new ManifestFormatException(b.position() - 4, "manifest delta deletes " + deletedCount
                    + " paths, the base has only " + base.entries().size());
        }
        Set<String> deleted = new HashSet<>();
        for (long i = 0; i < deletedCount; i++) {
            if (b.remaining() < 2 + 4 + 4) {
                throw new ManifestFormatException(b.position(), "truncated manifest delta in deleted path " + i);
            }
            int len = b.getShort() & 0xffff;
            if (len > limits.maxStringBytes() || len > b.remaining() - 8) {
                throw new ManifestFormatException(b.position() - 2, "manifest delta deleted path " + i
                        + " length " + len + " exceeds the limit or the input");
            }
            String p = new String(delta, b.position(), len, StandardCharsets.UTF_8);
            b.position(b.position() + len);
            if (base.get(p) == null) {
                throw new ManifestFormatException(b.position() - len, "manifest delta deletes "
                        + ManifestPath.quote(p) + ", which the base does not have");
            }
            deleted.add(p);
        }
        long partLen = b.getInt() & 0xffffffffL;
        if (partLen != b.remaining() - 4) {
            throw new ManifestFormatException(b.position() - 4, "manifest delta partial length " + partLen
                    + " does not match the " + (b.remaining() - 4) + " bytes left");
        }
        Manifest partial = new ManifestCodec(limits).decode(delta, b.position(), (int) partLen);
        if (!partial.dataset().equals(base.dataset())) {
            throw new ManifestFormatException(b.position(), "manifest delta is for dataset " + partial.dataset()
                    + ", not " + base.dataset());
        }
        // Both lists are in canonical order: merge them, so the target needs no sort.
        List<Entry> kept = base.entries();
        List<Entry> changed = partial.entries();
        List<Entry> entries = new ArrayList<>(kept.size() + changed.size());
        int i = 0;
        int j = 0;
        while (i < kept.size() || j < changed.size()) {
            int cmp = i == kept.size() ? 1 : j == changed.size() ? -1
                    : ManifestPath.compare(kept.get(i).path(), changed.get(j).path());
            if (cmp < 0) {
                Entry e = kept.get(i++);
                if (deleted.isEmpty() || !deleted.contains(e.path())) {
                    entries.add(e);
                }
            } else {
                if (cmp == 0) {
                    i++; // replaced by the changed entry
                }
                entries.add(changed.get(j++));
            }
        }
        if (entries.size() > limits.maxEntries()) {
            throw new ManifestFormatException(-1, "manifest delta yields " + entries.size() + " entries, over the limit "
                    + limits.maxEntries());
        }
        Manifest target = new Manifest(partial.dataset(), partial.version(), partial.parentVersion(),
                partial.createdMillis(), partial.chunker(), entries, true); // a merge of two ordered lists
        byte[] encoded = new ManifestCodec().encode(target);
        byte[] root = ManifestCodec.rootDigest(encoded);
        if (!MessageDigest.isEqual(root, targetRoot)) {
            throw new ManifestFormatException(-1, "manifest delta does not reproduce the announced root digest "
                    + Sha256.hex(targetRoot).substring(0, 16) + "…");
        }
        return new Applied(target, encoded, root);
    }
}
