package dev.delta.engine.manifest;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The difference between two versions of a manifest, for the wire: an edge that holds the base
 * version receives only the entries that changed instead of the whole manifest (on an 80k-file
 * tree, kilobytes instead of megabytes). The byte-level specification is the "Manifest delta"
 * section of {@code docs/manifest-format.md}; in short:
 *
 * <pre>
 *  magic 89 44 4D 44 ("\x89DMD") | u16 format = 2
 *  i64 base version | 32 B base root digest | 32 B target root digest
 *  u32 deleted count | count x (u16 len, UTF-8 path)
 *  u32 partial length | partial: a canonical manifest encoding ({@link ManifestCodec}) holding the
 *                       target's header and only its added or changed entries
 *  u32 patch length   | patches: for changed files whose base entry is a file, the chunk list
 *                       as an edit script against the base entry's (copy runs of base chunks,
 *                       runs of new chunk records); such an entry stands in the partial with
 *                       size 0 and no chunks
 *  u32 CRC32C of every byte before it
 * </pre>
 *
 * <p>So a changed 50 MB file with a hundred local edits costs a few kilobytes instead of its
 * whole chunk list. {@link #apply} rebuilds the full target from the base and then checks that
 * its root digest is the announced one, so a delta can never produce a manifest other than the
 * one signed and announced by the origin. All fixed-width integers are big-endian; the patch
 * section also uses unsigned LEB128 varints. Format 1 (the same without the patch section) is
 * still read.
 */
public final class ManifestDelta {
    public static final int MAGIC = 0x89444D44;
    public static final int FORMAT_VERSION = 2;
    /** The format before chunk-list patches (no patch section); {@link #applyEncoded} still reads it. */
    static final int FORMAT_PLAIN = 1;

    /** Magic, format, base version, base and target root digests. */
    private static final int FIXED_BYTES = 4 + 2 + 8 + 32 + 32;
    /** A patch op's low tag bit: copy a run of base chunks, or a run of new chunk records follows. */
    private static final int OP_COPY = 0;
    private static final int OP_NEW = 1;
    /** Longest varint accepted: 5 bytes, 35 bits (every value of the format fits). */
    private static final int MAX_VARINT_BYTES = 5;

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
        return encode(base, baseRoot, target, targetRoot, FORMAT_VERSION);
    }

    /**
     * Encodes in {@code format}: {@link #FORMAT_VERSION}, or {@link #FORMAT_PLAIN} (every changed
     * entry in full, no patch section) for tests and size comparisons.
     */
    static byte[] encode(Manifest base, byte[] baseRoot, Manifest target, byte[] targetRoot, int format) {
        if (format != FORMAT_VERSION && format != FORMAT_PLAIN) {
            throw new IllegalArgumentException("unknown manifest delta format " + format);
        }
        List<Entry> be = base.entries();
        List<Entry> te = target.entries();
        List<Entry> changed = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        Bytes patches = new Bytes(64);
        int patched = 0;
        int lastPatched = -1;
        Differ differ = null;
        // Both lists are in canonical order: one merge finds deleted, added and changed paths.
        int i = 0;
        int j = 0;
        while (i < be.size() || j < te.size()) {
            int cmp = i == be.size() ? 1 : j == te.size() ? -1
                    : ManifestPath.compare(be.get(i).path(), te.get(j).path());
            if (cmp < 0) {
                deleted.add(be.get(i++).path());
            } else if (cmp > 0) {
                changed.add(te.get(j++));
            } else {
                Entry b = be.get(i++);
                Entry t = te.get(j++);
                if (t.equals(b)) {
                    continue;
                }
                if (format != FORMAT_PLAIN && b.isFile() && t.isFile() && !b.chunks().isEmpty()
                        && !t.chunks().isEmpty()) {
                    if (differ == null) {
                        differ = new Differ();
                    }
                    int gap = changed.size() - lastPatched - 1;
                    if (differ.diff(b.chunks(), t.chunks(), gap)) { // smaller than the plain chunk list
                        patches.varint(gap);
                        differ.writeTo(patches, t.chunks());
                        lastPatched = changed.size();
                        patched++;
                        changed.add(Entry.file(t.path(), t.mode(), t.mtimeNanos(), 0, t.sha256(), ChunkList.EMPTY));
                        continue;
                    }
                }
                changed.add(t);
            }
        }
        Manifest partial = new Manifest(target.dataset(), target.version(), target.parentVersion(),
                target.createdMillis(), target.chunker(), changed, true); // a subsequence of the target's order
        byte[] part = new ManifestCodec().encode(partial);
        Bytes out = new Bytes(FIXED_BYTES + 4 + deleted.size() * 32 + 4 + part.length + 4 + 5 + patches.size() + 4);
        out.putInt(MAGIC);
        out.putShort(format);
        out.putLong(base.version());
        out.put(baseRoot, 0, 32);
        out.put(targetRoot, 0, 32);
        out.putInt(deleted.size());
        for (String p : deleted) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            out.putShort(b.length);
            out.put(b, 0, b.length);
        }
        out.putInt(part.length);
        out.put(part, 0, part.length);
        if (format != FORMAT_PLAIN) {
            out.putInt(Bytes.varintLength(patched) + patches.size());
            out.varint(patched);
            out.put(patches.array(), 0, patches.size());
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        out.putInt((int) crc.getValue());
        return out.toArray();
    }

    /**
     * Whether {@code delta} is intact, of the current format, and made from the base with root
     * digest {@code baseRoot} to the target with {@code targetRoot}: magic, format, both digests
     * and the checksum. Cheap (no decoding); a node checks a stored delta this way before serving
     * it, so one stored in an older format is recomputed.
     */
    public static boolean describes(byte[] delta, byte[] baseRoot, byte[] targetRoot) {
        if (delta == null || delta.length < FIXED_BYTES + 4 + 4 + 4 + 4) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(delta);
        CRC32C crc = new CRC32C();
        crc.update(delta, 0, delta.length - 4);
        return b.getInt(0) == MAGIC && (b.getShort(4) & 0xffff) == FORMAT_VERSION
                && (int) crc.getValue() == b.getInt(delta.length - 4)
                && Arrays.equals(delta, 14, 46, baseRoot, 0, 32)
                && Arrays.equals(delta, 46, 78, targetRoot, 0, 32);
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
        return applyEncoded(base, null, baseDigest, delta, limits);
    }

    /**
     * Like {@link #applyEncoded(Manifest, byte[], byte[], ManifestLimits)}, given also the base's
     * own canonical encoding (a node has it on disk): the target's encoding is then spliced
     * together from the base's bytes for every entry that did not change, and only the changed
     * entries are encoded. On an 80k-entry tree that is a copy instead of re-encoding megabytes.
     * The root digest is checked on the result all the same, so bytes that are not the base's
     * encoding can only make the delta fail, never produce another manifest.
     *
     * @param baseEncoded the base's encoding, or null to encode the target from scratch
     */
    public static Applied applyEncoded(Manifest base, byte[] baseEncoded, byte[] baseDigest, byte[] delta,
                                       ManifestLimits limits) throws ManifestFormatException {
        ByteBuffer b = ByteBuffer.wrap(delta);
        int fixed = FIXED_BYTES + 4;
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
        if (format != FORMAT_VERSION && format != FORMAT_PLAIN) {
            throw new ManifestFormatException(4, "unsupported manifest delta format " + format + " (this build reads "
                    + FORMAT_PLAIN + " and " + FORMAT_VERSION + ")");
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
        java.util.BitSet gone = new java.util.BitSet(base.entries().size()); // base entries deleted or replaced
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
            int k = base.indexOf(p);
            if (k < 0) {
                throw new ManifestFormatException(b.position() - len, "manifest delta deletes "
                        + ManifestPath.quote(p) + ", which the base does not have");
            }
            gone.set(k);
        }
        int partAt = b.position();
        long partLen = b.getInt() & 0xffffffffL;
        long room = b.remaining() - 4 - (format == FORMAT_PLAIN ? 0 : 4); // checksum, patch length
        if (format == FORMAT_PLAIN ? partLen != room : partLen > room) {
            throw new ManifestFormatException(partAt, "manifest delta partial length " + partLen
                    + (format == FORMAT_PLAIN ? " does not match the " : " exceeds the ") + Math.max(0, room)
                    + " bytes left");
        }
        Manifest partial = new ManifestCodec(limits).decode(delta, b.position(), (int) partLen);
        if (!partial.dataset().equals(base.dataset())) {
            throw new ManifestFormatException(b.position(), "manifest delta is for dataset " + partial.dataset()
                    + ", not " + base.dataset());
        }
        b.position(b.position() + (int) partLen);
        List<Entry> changed = partial.entries();
        if (format != FORMAT_PLAIN) {
            int patchAt = b.position();
            long patchLen = b.getInt() & 0xffffffffL;
            if (patchLen != b.remaining() - 4) {
                throw new ManifestFormatException(patchAt, "manifest delta patch length " + patchLen
                        + " does not match the " + (b.remaining() - 4) + " bytes left");
            }
            changed = applyPatches(base, partial, new Section(delta, b.position(), (int) patchLen), limits);
        }
        // Both lists are in canonical order: merge them, so the target needs no sort. A changed
        // path the base holds is found by its index, a new one by a galloping search from the last,
        // and the base's entries in between are copied as a run: an entry is read only where a
        // search compares its path (each is memory far from the last; there are 100,000).
        List<Entry> kept = base.entries();
        int n = kept.size();
        List<Entry> entries = new ArrayList<>(n + changed.size());
        int[] fromBase = new int[n + changed.size()]; // per target entry: its base index, or -1
        int i = 0;
        for (Entry c : changed) {
            int at = base.indexOf(c.path());
            boolean replaces = at >= 0;
            if (!replaces) {
                at = gallop(kept, i, n, c.path());
            } else if (at < i) {
                throw new ManifestFormatException(-1, "manifest delta lists " + ManifestPath.quote(c.path())
                        + " out of canonical order");
            }
            copyRun(kept, i, at, gone, entries, fromBase);
            if (replaces) {
                gone.set(at); // replaced by the changed entry
                at++;
            }
            fromBase[entries.size()] = -1;
            entries.add(c);
            i = at;
        }
        copyRun(kept, i, n, gone, entries, fromBase);
        List<Entry> removed = new ArrayList<>(gone.cardinality());
        for (int g = gone.nextSetBit(0); g >= 0; g = gone.nextSetBit(g + 1)) {
            removed.add(kept.get(g));
        }
        // a merge of two ordered lists: no sort; totals from the base's
        Manifest target = Manifest.merged(partial.dataset(), partial.version(), partial.parentVersion(),
                partial.createdMillis(), partial.chunker(), entries, base, removed, changed);
        long chunks = target.chunkCount();
        if (entries.size() > limits.maxEntries()) {
            throw new ManifestFormatException(-1, "manifest delta yields " + entries.size() + " entries, over the limit "
                    + limits.maxEntries());
        }
        if (chunks > limits.maxTotalChunks()) {
            throw new ManifestFormatException(-1, "manifest delta yields " + chunks + " chunks, over the limit "
                    + limits.maxTotalChunks());
        }
        int[] starts = baseEncoded == null ? null : ManifestEncoder.entryStarts(baseEncoded, kept.size());
        byte[] encoded = null;
        if (starts != null) {
            long size = ManifestEncoder.splicedSize(target, fromBase, starts);
            checkSize(size, limits);
            try {
                encoded = ManifestEncoder.toArraySpliced(target, fromBase, baseEncoded, starts, size);
            } catch (IllegalArgumentException | IllegalStateException notTheBase) {
                encoded = null; // the entries' lengths disagree with the base's: encode afresh
            }
        }
        if (encoded == null) {
            checkSize(ManifestCodec.encodedSize(target), limits);
            encoded = new ManifestCodec().encode(target);
        }
        byte[] root = ManifestCodec.rootDigest(encoded);
        if (!MessageDigest.isEqual(root, targetRoot)) {
            throw new ManifestFormatException(-1, "manifest delta does not reproduce the announced root digest "
                    + Sha256.hex(targetRoot).substring(0, 16) + "…");
        }
        return new Applied(target, encoded, root);
    }

    private static void checkSize(long size, ManifestLimits limits) throws ManifestFormatException {
        if (size > limits.maxManifestBytes() || size > Integer.MAX_VALUE - 8) {
            throw new ManifestFormatException(-1, "manifest delta yields a manifest of " + size
                    + " bytes, over the limit of " + Math.min(limits.maxManifestBytes(), Integer.MAX_VALUE - 8));
        }
    }

    // ---- the patch section ----------------------------------------------------------------------

    /**
     * The changed entries with each patched one's chunk list rebuilt from its base entry. Every
     * count, index and run is checked against the limits, the base and the section's remaining
     * bytes before anything is allocated for it.
     */
    private static List<Entry> applyPatches(Manifest base, Manifest partial, Section in, ManifestLimits limits)
            throws ManifestFormatException {
        List<Entry> changed = partial.entries();
        int at = in.pos;
        long count = in.varint("patched entry count");
        if (count > changed.size() || count * 4 > in.remaining()) { // an entry patch is at least 4 bytes
            throw in.fail(at, "patched entry count " + count + " exceeds the " + changed.size()
                    + " entries of the partial manifest or the " + in.remaining() + " bytes left");
        }
        if (count == 0) {
            in.end();
            return changed;
        }
        List<Entry> out = new ArrayList<>(changed);
        long budget = limits.maxTotalChunks() - partial.chunkCount(); // chunks all patches may still add
        long index = -1;
        for (long k = 0; k < count; k++) {
            at = in.pos;
            index += in.varint("patched entry index gap") + 1;
            if (index >= changed.size()) {
                throw in.fail(at, "patched entry " + k + " has index " + index + ", past the "
                        + changed.size() + " entries of the partial manifest");
            }
            Entry stub = changed.get((int) index);
            String path = stub.path();
            if (!stub.isFile() || stub.size() != 0) {
                throw in.fail(at, "patched entry " + ManifestPath.quote(path)
                        + " must stand in the partial manifest as a file of size 0 with no chunks, not as " + stub);
            }
            Entry b = base.get(path);
            if (b == null || !b.isFile() || b.chunks().isEmpty()) {
                throw in.fail(at, "patched entry " + ManifestPath.quote(path)
                        + " has no base file with chunks to patch against (base: " + (b == null ? "none" : b) + ")");
            }
            ChunkList chunks = patch(in, b.chunks(), path, Math.min(limits.maxChunksPerFile(), budget), limits);
            budget -= chunks.size();
            out.set((int) index, Entry.decodedFile(path, stub.mode(), stub.mtimeNanos(), chunks.totalLength(),
                    stub.sha256(), chunks));
        }
        in.end();
        return out;
    }

    /** One entry's edit script applied to {@code base}: at most {@code budget} chunks, at least one. */
    private static ChunkList patch(Section in, ChunkList base, String path, long budget, ManifestLimits limits)
            throws ManifestFormatException {
        int at = in.pos;
        long ops = in.varint("op count");
        if (ops == 0 || ops > budget || ops * 2 > in.remaining()) { // an op is at least 2 bytes, 1 chunk
            throw in.fail(at, "op count " + ops + " of patched entry " + ManifestPath.quote(path)
                    + " must be between 1 and " + Math.min(budget, in.remaining() / 2)
                    + " (the chunk limit and the bytes left allow no more)");
        }
        ChunkList.Builder chunks = ChunkList.builder((int) Math.min(budget, base.size() + 16L));
        long cursor = 0; // where the previous copy run ended in the base
        for (long o = 0; o < ops; o++) {
            at = in.pos;
            long tag = in.varint("op");
            long n = tag >>> 1;
            if (n == 0) {
                throw in.fail(at, "empty run in op " + o + " of patched entry " + ManifestPath.quote(path));
            }
            if (n > budget - chunks.size()) {
                throw in.fail(at, "op " + o + " of patched entry " + ManifestPath.quote(path) + " brings it to "
                        + (chunks.size() + n) + " chunks, over the limit of " + budget
                        + " (chunks per file " + limits.maxChunksPerFile() + ", in total " + limits.maxTotalChunks() + ")");
            }
            if ((tag & 1) == OP_COPY) {
                long zz = in.varint("copy start");
                long start = cursor + ((zz >>> 1) ^ -(zz & 1));
                if (start < 0 || start + n > base.size()) {
                    throw in.fail(at, "copy run [" + start + ", " + (start + n) + ") in op " + o + " of patched entry "
                            + ManifestPath.quote(path) + " lies outside the base entry's " + base.size() + " chunks");
                }
                chunks.addRange(base, (int) start, (int) n);
                cursor = start + n;
            } else {
                if (n * ManifestCodec.CHUNK_RECORD_BYTES > in.remaining()) {
                    throw in.fail(at, "truncated manifest delta: " + n + " new chunks in op " + o + " of patched entry "
                            + ManifestPath.quote(path) + " need " + n * ManifestCodec.CHUNK_RECORD_BYTES + " bytes, "
                            + in.remaining() + " left in the patch section");
                }
                for (long c = 0; c < n; c++) {
                    int length = in.u32();
                    if (length <= 0) {
                        throw in.fail(in.pos - 4, "new chunk length " + Integer.toUnsignedString(length) + " in op "
                                + o + " of patched entry " + ManifestPath.quote(path) + " must be between 1 and "
                                + Integer.MAX_VALUE);
                    }
                    chunks.add(length, in.i64(), in.i64());
                }
            }
        }
        return chunks.build();
    }

    /** A bounded reader over the patch section; offsets in its errors are the delta's. */
    private static final class Section {
        private final byte[] d;
        private final int end;
        private int pos;

        Section(byte[] d, int off, int len) {
            this.d = d;
            this.pos = off;
            this.end = off + len;
        }

        int remaining() {
            return end - pos;
        }

        /** An unsigned LEB128 varint of at most 5 bytes, in its shortest form. */
        long varint(String field) throws ManifestFormatException {
            int at = pos;
            long v = 0;
            for (int k = 0; k < MAX_VARINT_BYTES; k++) {
                if (pos == end) {
                    throw fail(at, "truncated manifest delta: " + field + " runs past the end of the patch section");
                }
                int x = d[pos++] & 0xff;
                v |= (long) (x & 0x7f) << (7 * k);
                if (x < 0x80) {
                    if (x == 0 && k > 0) {
                        throw fail(at, field + " is an overlong varint (not in its shortest form)");
                    }
                    return v;
                }
            }
            throw fail(at, field + " is a varint longer than " + MAX_VARINT_BYTES + " bytes");
        }

        /** Four bytes; the caller has checked they are there. */
        int u32() {
            int v = ((d[pos] & 0xff) << 24) | ((d[pos + 1] & 0xff) << 16) | ((d[pos + 2] & 0xff) << 8)
                    | (d[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        /** Eight bytes; the caller has checked they are there. */
        long i64() {
            return ((long) u32() << 32) | (u32() & 0xffffffffL);
        }

        void end() throws ManifestFormatException {
            if (pos != end) {
                throw fail(pos, (end - pos) + " trailing bytes after the last patched entry");
            }
        }

        ManifestFormatException fail(int at, String what) {
            return new ManifestFormatException(at, what + " [manifest delta patch section, byte " + at + "]");
        }
    }

    /**
     * Finds a patch turning one chunk list into another: walks the target, continues a copy run
     * from where the previous one ended when the next chunk matches there, else looks the chunk
     * up in a hash index of the base (first occurrence), and extends every match as far as it
     * goes. Chunks are content-defined, so an edit changes a chunk or two around it and the rest
     * are long runs. Built once per encoding and reused; no object per chunk.
     */
    private static final class Differ {
        private int[] table = new int[0]; // open addressing: base position + 1, 0 = empty
        private int mask;
        private ChunkList indexed;
        private int[] ops = new int[3 * 16]; // per op: kind, run length, base start (copy) or target start (new)
        private int opCount;

        /**
         * Computes the patch of {@code target} against {@code base} and whether it, with an entry
         * index gap of {@code gap}, is smaller than the plain chunk records it would replace.
         */
        boolean diff(ChunkList base, ChunkList target, int gap) {
            indexed = null;
            opCount = 0;
            int bn = base.size();
            int tn = target.size();
            int cursor = 0;
            int t = 0;
            while (t < tn) {
                int p = cursor < bn && same(base, cursor, target, t) ? cursor : find(base, target, t);
                if (p < 0) {
                    if (opCount > 0 && ops[3 * (opCount - 1)] == OP_NEW) {
                        ops[3 * (opCount - 1) + 1]++;
                    } else {
                        add(OP_NEW, 1, t);
                    }
                    t++;
                    continue;
                }
                int n = 1;
                while (p + n < bn && t + n < tn && same(base, p + n, target, t + n)) {
                    n++;
                }
                add(OP_COPY, n, p);
                cursor = p + n;
                t += n;
            }
            long bytes = Bytes.varintLength(gap) + Bytes.varintLength(opCount);
            cursor = 0;
            for (int o = 0; o < opCount; o++) {
                int n = ops[3 * o + 1];
                if (ops[3 * o] == OP_COPY) {
                    int start = ops[3 * o + 2];
                    bytes += Bytes.varintLength((long) n << 1) + Bytes.varintLength(zigzag(start - (long) cursor));
                    cursor = start + n;
                } else {
                    bytes += Bytes.varintLength(((long) n << 1) | 1) + (long) ManifestCodec.CHUNK_RECORD_BYTES * n;
                }
            }
            return bytes < (long) ManifestCodec.CHUNK_RECORD_BYTES * tn;
        }

        /** Writes the ops found by the last {@link #diff} (op count first). */
        void writeTo(Bytes out, ChunkList target) {
            out.varint(opCount);
            long cursor = 0;
            for (int o = 0; o < opCount; o++) {
                int n = ops[3 * o + 1];
                int from = ops[3 * o + 2];
                if (ops[3 * o] == OP_COPY) {
                    out.varint((long) n << 1);
                    out.varint(zigzag(from - cursor));
                    cursor = from + n;
                } else {
                    out.varint(((long) n << 1) | 1);
                    for (int c = from; c < from + n; c++) {
                        out.putInt(target.length(c));
                        out.putLong(target.idHi(c));
                        out.putLong(target.idLo(c));
                    }
                }
            }
        }

        private void add(int kind, int n, int from) {
            if (3 * opCount == ops.length) {
                ops = Arrays.copyOf(ops, ops.length * 2);
            }
            ops[3 * opCount] = kind;
            ops[3 * opCount + 1] = n;
            ops[3 * opCount + 2] = from;
            opCount++;
        }

        private static boolean same(ChunkList a, int i, ChunkList b, int j) {
            return a.idHi(i) == b.idHi(j) && a.idLo(i) == b.idLo(j) && a.length(i) == b.length(j);
        }

        /** Position of the first base chunk equal to target chunk {@code t}, or -1; indexes the base on first use. */
        private int find(ChunkList base, ChunkList target, int t) {
            if (indexed != base) {
                index(base);
            }
            long hi = target.idHi(t);
            long lo = target.idLo(t);
            for (int h = slot(hi, lo); table[h] != 0; h = (h + 1) & mask) {
                int p = table[h] - 1;
                if (base.idHi(p) == hi && base.idLo(p) == lo) {
                    return base.length(p) == target.length(t) ? p : -1;
                }
            }
            return -1;
        }

        private void index(ChunkList base) {
            int n = base.size();
            int cap = Integer.highestOneBit(Math.max(4, n) * 2 - 1) << 1; // load factor at most 1/2
            if (table.length < cap) {
                table = new int[cap];
            } else {
                Arrays.fill(table, 0, cap, 0);
            }
            mask = cap - 1;
            for (int i = 0; i < n; i++) {
                long hi = base.idHi(i);
                long lo = base.idLo(i);
                int h = slot(hi, lo);
                while (table[h] != 0 && !(base.idHi(table[h] - 1) == hi && base.idLo(table[h] - 1) == lo)) {
                    h = (h + 1) & mask;
                }
                if (table[h] == 0) {
                    table[h] = i + 1; // the first occurrence of an id wins
                }
            }
            indexed = base;
        }

        private int slot(long hi, long lo) {
            long x = (hi ^ Long.rotateLeft(lo, 29)) * 0x9E3779B97F4A7C15L;
            return (int) (x >>> 32) & mask;
        }
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    /** A growable big-endian byte buffer with LEB128 varints. */
    private static final class Bytes {
        private byte[] a;
        private int n;

        Bytes(int capacity) {
            a = new byte[Math.max(16, capacity)];
        }

        int size() {
            return n;
        }

        byte[] array() {
            return a;
        }

        byte[] toArray() {
            return n == a.length ? a : Arrays.copyOf(a, n);
        }

        private void room(int k) {
            if (a.length - n < k) {
                a = Arrays.copyOf(a, Math.max(n + k, a.length + (a.length >> 1)));
            }
        }

        void putShort(int v) {
            room(2);
            a[n] = (byte) (v >>> 8);
            a[n + 1] = (byte) v;
            n += 2;
        }

        void putInt(int v) {
            room(4);
            a[n] = (byte) (v >>> 24);
            a[n + 1] = (byte) (v >>> 16);
            a[n + 2] = (byte) (v >>> 8);
            a[n + 3] = (byte) v;
            n += 4;
        }

        void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        void put(byte[] b, int off, int len) {
            room(len);
            System.arraycopy(b, off, a, n, len);
            n += len;
        }

        /** Unsigned LEB128: 7 bits a byte, low bits first, high bit set on all but the last. */
        void varint(long v) {
            room(MAX_VARINT_BYTES);
            while ((v & ~0x7fL) != 0) {
                a[n++] = (byte) (v | 0x80);
                v >>>= 7;
            }
            a[n++] = (byte) v;
        }

        static int varintLength(long v) {
            int k = 1;
            while ((v & ~0x7fL) != 0) {
                v >>>= 7;
                k++;
            }
            return k;
        }
    }

    /** The first index in {@code [from, to)} whose path is not below {@code path}; {@code to} if none. */
    static int lowerBound(List<Entry> list, int from, int to, String path) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ManifestPath.compare(list.get(mid).path(), path) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** {@link #lowerBound}, probing 1, 2, 4, … places past {@code from} first: the answer is usually near. */
    static int gallop(List<Entry> list, int from, int to, String path) {
        int lo = from;
        int step = 1;
        while (lo < to && ManifestPath.compare(list.get(Math.min(lo + step - 1, to - 1)).path(), path) < 0) {
            lo = Math.min(lo + step, to);
            step <<= 1;
        }
        return lowerBound(list, lo, Math.min(lo + step - 1, to), path);
    }

    /** Appends {@code kept[from, to)} but the {@code gone} ones, recording each one's base index. */
    private static void copyRun(List<Entry> kept, int from, int to, java.util.BitSet gone, List<Entry> out,
                                int[] fromBase) {
        int k = from;
        while (k < to) {
            int end = gone.nextSetBit(k);
            end = end < 0 || end > to ? to : end;
            int size = out.size();
            for (int x = k; x < end; x++) {
                fromBase[size + x - k] = x;
            }
            out.addAll(kept.subList(k, end));
            k = end + 1;
        }
    }
}
