package dev.delta.engine.plan;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import net.openhft.hashing.LongHashFunction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Small files taken together: a release's small files, in manifest order, cut into groups of at
 * most {@link #MAX_GROUP} bytes that an origin compresses once, as one LZ4 HC block each, and an
 * edge that lacks every file of a group fetches with one request.
 *
 * <p>Why: LZ4 finds repeats only within a block, and a source tree's files are a few KiB each.
 * Compressed one by one they keep 37% of their bytes; 128 KiB of neighbouring files compressed
 * together keep 27% (measured on the benchmark's source tree; {@code docs/engine.md}). A group is
 * also one request and one DATA frame instead of one per file.
 *
 * <p>Origin and edge compute the same groups from the same manifest, so the edge can ask for
 * exactly the groups the origin has ready. Where a group ends depends on the paths, not on the
 * positions, wherever it can: a file ends a group when its path's hash says so and the group holds
 * at least {@link #MIN_GROUP} bytes, or when the next file would not fit (in bytes, or as the
 * {@link #MAX_FILES}th file). A file added or changed
 * then regroups its neighbours only up to the next such cut, and the other groups of the next
 * release are the same (same files, same contents: the same {@link #key}), so the origin reuses
 * what it compressed for the last one. A grouping that differs between two builds costs ratio,
 * never correctness: an origin without a block ready compresses the files on the fly, and an edge
 * checks every chunk it receives in any case.
 */
public final class FileGroups {
    /** Files of at most this many bytes are grouped (bigger ones have blocks of their own). */
    public static final int MAX_FILE = 32 * 1024;
    /** Bytes of a group at most: one DATA piece of the default size. */
    public static final int MAX_GROUP = 128 * 1024;
    /** A group is not cut by a path's hash before it holds this many bytes. */
    public static final int MIN_GROUP = 64 * 1024;
    /** Files in a group at most (a request names at most 4096; a group of tiny files stays well below). */
    public static final int MAX_FILES = 1024;
    /** One path in this many ends a group (once it holds {@link #MIN_GROUP} bytes). */
    static final int CUT_ONE_IN = 4;

    private static final LongHashFunction PATH_HASH = LongHashFunction.xx3();
    private static final byte[] KEY_LABEL = "delta file group 1".getBytes(StandardCharsets.US_ASCII);

    private FileGroups() {
    }

    /** Whether an entry is grouped: a regular file of 1 to {@link #MAX_FILE} bytes. */
    public static boolean groupable(Entry e) {
        return e.isFile() && e.size() > 0 && e.size() <= MAX_FILE;
    }

    /**
     * The groups of {@code m}: each the indices of its files in {@link Manifest#entries()}, in
     * order. A group has two files or more (a single file goes as itself).
     */
    public static List<int[]> of(Manifest m) {
        List<Entry> entries = m.entries();
        List<int[]> groups = new ArrayList<>();
        int[] members = new int[MAX_FILES];
        int n = 0;
        long bytes = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (!groupable(e)) {
                continue;
            }
            if (bytes + e.size() > MAX_GROUP || n == MAX_FILES) {
                add(groups, members, n);
                n = 0;
                bytes = 0;
            }
            members[n++] = i;
            bytes += e.size();
            if (bytes >= MIN_GROUP && cutsAfter(e.path())) {
                add(groups, members, n);
                n = 0;
                bytes = 0;
            }
        }
        add(groups, members, n);
        return groups;
    }

    private static void add(List<int[]> groups, int[] members, int n) {
        if (n >= 2) {
            int[] g = new int[n];
            System.arraycopy(members, 0, g, 0, n);
            groups.add(g);
        }
    }

    /** Whether a path ends its group (given the group is long enough): one path in {@link #CUT_ONE_IN}. */
    static boolean cutsAfter(String path) {
        return Long.remainderUnsigned(PATH_HASH.hashBytes(path.getBytes(StandardCharsets.UTF_8)), CUT_ONE_IN) == 0;
    }

    /** Total bytes of the files {@code indices} of {@code m}. */
    public static long bytes(Manifest m, int[] indices) {
        long sum = 0;
        for (int i : indices) {
            sum += m.entries().get(i).size();
        }
        return sum;
    }

    /**
     * The name of a group's content: SHA-256 over a label and each member's SHA-256 and size, in
     * order. The same files with the same contents have the same key in any release; any other
     * content has another one.
     */
    public static byte[] key(Manifest m, int[] indices) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        md.update(KEY_LABEL);
        byte[] size = new byte[8];
        for (int i : indices) {
            Entry e = m.entries().get(i);
            if (!e.isFile()) {
                throw new IllegalArgumentException(e.path() + " is not a regular file");
            }
            md.update(e.sha256());
            long s = e.size();
            for (int b = 0; b < 8; b++) {
                size[b] = (byte) (s >>> (56 - 8 * b));
            }
            md.update(size);
        }
        return md.digest();
    }
}
