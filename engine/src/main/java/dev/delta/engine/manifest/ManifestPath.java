package dev.delta.engine.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The rules for paths inside a manifest, enforced at every boundary (scanner, decoder, JSON,
 * apply): relative, '/'-separated, normalized, no {@code .} or {@code ..} segment, no empty
 * segment, no NUL, control character or backslash, at most {@value #MAX_BYTES} UTF-8 bytes and
 * {@value #MAX_SEGMENT_BYTES} bytes per segment.
 *
 * <p>The canonical order ({@link #ORDER}) compares segment by segment, by Unicode code point
 * (which equals UTF-8 byte order), so a directory comes right before its contents.
 */
public final class ManifestPath {
    public static final int MAX_BYTES = 4096;
    public static final int MAX_SEGMENT_BYTES = 255;

    /** Segment-wise code point order: '/' sorts before every other character. */
    public static final Comparator<String> ORDER = ManifestPath::compare;

    private ManifestPath() {
    }

    /** Returns {@code path} if it is acceptable, else throws {@link UnsafePathException} naming it. */
    public static String validate(String path) {
        String reason = problem(path);
        if (reason != null) {
            throw new UnsafePathException(path, reason);
        }
        return path;
    }

    /** True when {@link #validate} would accept {@code path}. */
    public static boolean isValid(String path) {
        return problem(path) == null;
    }

    /** What is wrong with {@code path}, or null when nothing is. */
    static String problem(String path) {
        if (path == null) {
            return "missing";
        }
        if (path.isEmpty()) {
            return "empty";
        }
        if (path.charAt(0) == '/') {
            return "absolute (starts with '/')";
        }
        if (path.length() > MAX_BYTES) {
            return "longer than " + MAX_BYTES + " bytes";
        }
        int segStart = 0;
        for (int i = 0; i <= path.length(); i++) {
            char c = i < path.length() ? path.charAt(i) : '/';
            if (c == '/') {
                String r = segmentProblem(path, segStart, i);
                if (r != null) {
                    return r;
                }
                segStart = i + 1;
            } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) { // C0, DEL and C1: U+0085 is a line break, U+009B a CSI
                return c == 0 ? "contains a NUL character" : "contains control character 0x" + Integer.toHexString(c);
            } else if (c == '\\') {
                return "contains a backslash";
            } else if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < path.length()
                        && Character.isLowSurrogate(path.charAt(i + 1));
                if (!paired) {
                    return "contains an unpaired surrogate (not valid Unicode)";
                }
                i++;
            }
        }
        // A char is at most 3 UTF-8 bytes (a surrogate pair, 2 chars, is 4): short paths need no count.
        if (path.length() * 3 > MAX_BYTES && path.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "longer than " + MAX_BYTES + " bytes";
        }
        return null;
    }

    /**
     * What is wrong with {@code parent + "/" + name} (just {@code name} when {@code parent} is
     * empty), or null when nothing is, given that {@code parent} is empty or a valid path: only
     * {@code name} and the total length are checked, so a tree walk validates each path in time
     * proportional to its last segment.
     */
    public static String childProblem(String parent, String name) {
        if (name.indexOf('/') >= 0) {
            return "name contains '/'";
        }
        String r = problem(name);
        if (r != null) {
            return r;
        }
        int chars = parent.isEmpty() ? name.length() : parent.length() + 1 + name.length();
        if (chars * 3 > MAX_BYTES) {
            long bytes = parent.isEmpty() ? 0 : parent.getBytes(StandardCharsets.UTF_8).length + 1;
            if (bytes + name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
                return "longer than " + MAX_BYTES + " bytes";
            }
        }
        return null;
    }

    private static String segmentProblem(String path, int from, int to) {
        if (from == to) {
            return to == path.length() ? "ends with '/'" : "has an empty segment ('//')";
        }
        if (to - from == 1 && path.charAt(from) == '.') {
            return "has a '.' segment (not normalized)";
        }
        if (to - from == 2 && path.charAt(from) == '.' && path.charAt(from + 1) == '.') {
            return "has a '..' segment (would escape the tree)";
        }
        if (to - from > MAX_SEGMENT_BYTES / 3
                && path.substring(from, to).getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
            return "has a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
        }
        return null;
    }

    /** The parent directory of a valid path, or null for a top-level name. */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? null : path.substring(0, slash);
    }

    /** The last segment of a valid path. */
    public static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Canonical order of two paths; see {@link #ORDER}. */
    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x == '/') {
                    return -1;
                }
                if (y == '/') {
                    return 1;
                }
                return Integer.compare(a.codePointAt(i), b.codePointAt(i));
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** Quotes a path for an error message, escaping control characters so messages stay one line. */
    public static String quote(String path) {
        if (path == null) {
            return "(null)";
        }
        StringBuilder sb = new StringBuilder(path.length() + 2).append('\'');
        for (int i = 0; i < path.length() && sb.length() < 300; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                sb.append(c < 0x80 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= 300) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
