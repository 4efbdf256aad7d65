package dev.delta.engine.scan;

import java.util.regex.Pattern;

/**
 * One compiled gitignore-style pattern: whether it negates, whether it applies to directories
 * only, whether it is anchored to the scan root (matched against the whole relative path) or
 * floats (matched against the last segment, at any depth), and how it matches.
 *
 * <p>Most real patterns are a literal name ({@code build}) or a suffix ({@code *.tmp}); those
 * are matched with {@code equals}/{@code endsWith} instead of a regex, which keeps a scan of
 * tens of thousands of paths against a few dozen rules cheap.
 */
final class IgnoreRule {
    private final String source;
    private final boolean negated;
    private final boolean dirOnly;
    private final boolean anchored;
    private final String literal; // exact match, or null
    private final String suffix;  // "*suffix" match, or null
    private final Pattern regex;  // general case, or null

    private IgnoreRule(String source, boolean negated, boolean dirOnly, boolean anchored,
                       String literal, String suffix, Pattern regex) {
        this.source = source;
        this.negated = negated;
        this.dirOnly = dirOnly;
        this.anchored = anchored;
        this.literal = literal;
        this.suffix = suffix;
        this.regex = regex;
    }

    /**
     * Compiles one line of an ignore file, or returns null for a line that holds no pattern
     * (blank, a comment, or only {@code /} or {@code !}).
     */
    static IgnoreRule parse(String line, String source) {
        String p = stripTrailingSpaces(line);
        if (p.isEmpty() || p.charAt(0) == '#') {
            return null;
        }
        boolean negated = false;
        if (p.charAt(0) == '!') {
            negated = true;
            p = p.substring(1);
        } else if (p.startsWith("\\!") || p.startsWith("\\#")) {
            p = p.substring(1); // escaped first character: a literal '!' or '#'
        }
        boolean dirOnly = false;
        if (p.endsWith("/") && !p.endsWith("\\/")) {
            dirOnly = true;
            p = p.substring(0, p.length() - 1);
        }
        // A slash at the start or in the middle anchors the pattern to the root.
        boolean anchored = p.indexOf('/') >= 0;
        if (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            return null;
        }
        if (p.startsWith("**/") && p.indexOf('/', 3) < 0 && !hasWildcard(p.substring(3))) {
            // "**/name" is the same as a floating "name"; keep the fast path
            p = p.substring(3);
            anchored = false;
        }
        if (!hasWildcard(p)) {
            return new IgnoreRule(source, negated, dirOnly, anchored, unescape(p), null, null);
        }
        if (p.length() > 1 && p.charAt(0) == '*' && p.charAt(1) != '*' && p.indexOf('/') < 0
                && !hasWildcard(p.substring(1))) {
            return new IgnoreRule(source, negated, dirOnly, anchored, null, unescape(p.substring(1)), null);
        }
        return new IgnoreRule(source, negated, dirOnly, anchored, null, null, Pattern.compile(toRegex(p)));
    }

    /** The line this rule came from, with its origin (for messages). */
    String source() {
        return source;
    }

    boolean negated() {
        return negated;
    }

    /**
     * True when this pattern matches the path (ignoring negation).
     *
     * @param path  relative '/'-separated path
     * @param name  its last segment
     * @param isDir whether it is a directory
     */
    boolean matches(String path, String name, boolean isDir) {
        if (dirOnly && !isDir) {
            return false;
        }
        String subject = anchored ? path : name;
        if (literal != null) {
            return literal.equals(subject);
        }
        if (suffix != null) {
            return subject.endsWith(suffix) && (!anchored || subject.indexOf('/') < 0);
        }
        return regex.matcher(subject).matches();
    }

    /** gitignore: trailing spaces are dropped unless escaped with a backslash. */
    private static String stripTrailingSpaces(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t' || line.charAt(end - 1) == '\r')) {
            if (end >= 2 && line.charAt(end - 2) == '\\' && line.charAt(end - 1) == ' ') {
                break;
            }
            end--;
        }
        return line.substring(0, end);
    }

    private static boolean hasWildcard(String p) {
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*' || c == '?' || c == '[') {
                return true;
            }
            if (c == '\\') {
                i++; // the next character is literal
            }
        }
        return false;
    }

    private static String unescape(String p) {
        if (p.indexOf('\\') < 0) {
            return p;
        }
        StringBuilder sb = new StringBuilder(p.length());
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                c = p.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Translates a glob to a Java regex. {@code *} and {@code ?} never match '/';
     * {@code **} as a whole segment matches any number of segments: leading {@code **}/ zero or
     * more directories, trailing /{@code **} everything inside, middle /{@code **}/ zero or more
     * directories. Any other run of stars is a plain {@code *}.
     */
    static String toRegex(String p) {
        StringBuilder re = new StringBuilder(p.length() * 2);
        int n = p.length();
        int i = 0;
        while (i < n) {
            char c = p.charAt(i);
            if (c == '*') {
                int run = i;
                while (run < n && p.charAt(run) == '*') {
                    run++;
                }
                boolean segmentStart = i == 0 || p.charAt(i - 1) == '/';
                boolean segmentEnd = run == n || p.charAt(run) == '/';
                if (run - i == 2 && segmentStart && segmentEnd) {
                    if (run == n) {
                        // "**" alone matches everything; "x/**" everything inside x
                        re.append(i == 0 ? ".*" : ".+");
                        i = run;
                    } else {
                        re.append("(?:.*/)?"); // "**/": zero or more leading directories
                        i = run + 1;
                    }
                } else {
                    re.append("[^/]*");
                    i = run;
                }
            } else if (c == '?') {
                re.append("[^/]");
                i++;
            } else if (c == '[') {
                int end = appendClass(p, i, re);
                if (end < 0) {
                    re.append("\\[");
                    i++;
                } else {
                    i = end;
                }
            } else if (c == '\\' && i + 1 < n) {
                appendLiteral(re, p.charAt(i + 1));
                i += 2;
            } else {
                appendLiteral(re, c);
                i++;
            }
        }
        return re.toString();
    }

    /**
     * Appends a bracket expression starting at {@code p[start] == '['}; returns the index after
     * its closing ']' or -1 when it is not closed (then '[' is a literal, as in git).
     */
    private static int appendClass(String p, int start, StringBuilder re) {
        int i = start + 1;
        int n = p.length();
        boolean negate = i < n && (p.charAt(i) == '!' || p.charAt(i) == '^');
        if (negate) {
            i++;
        }
        StringBuilder body = new StringBuilder();
        boolean first = true;
        while (i < n) {
            char c = p.charAt(i);
            if (c == ']' && !first) {
                re.append(negate ? "[^/" : "[").append(body).append(negate ? "]" : "&&[^/]]");
                return i + 1;
            }
            first = false;
            if (c == '[' && i + 1 < n && p.charAt(i + 1) == ':') {
                int close = p.indexOf(":]", i + 2);
                String cls = close < 0 ? null : posixClass(p.substring(i + 2, close));
                if (cls != null) {
                    body.append(cls);
                    i = close + 2;
                    continue;
                }
            }
            if (c == '\\' && i + 1 < n) {
                c = p.charAt(++i);
            }
            if (i + 2 < n && p.charAt(i + 1) == '-' && p.charAt(i + 2) != ']') {
                char hi = p.charAt(i + 2);
                int next = i + 3;
                if (hi == '\\' && i + 3 < n) {
                    hi = p.charAt(i + 3);
                    next = i + 4;
                }
                if (hi >= c) { // git ignores a reversed range
                    appendLiteral(body, c);
                    body.append('-');
                    appendLiteral(body, hi);
                }
                i = next;
                continue;
            }
            appendLiteral(body, c);
            i++;
        }
        return -1;
    }

    private static String posixClass(String name) {
        switch (name) {
            case "alpha": return "\\p{Alpha}";
            case "digit": return "\\p{Digit}";
            case "alnum": return "\\p{Alnum}";
            case "upper": return "\\p{Upper}";
            case "lower": return "\\p{Lower}";
            case "space": return "\\s";
            case "xdigit": return "\\p{XDigit}";
            case "punct": return "\\p{Punct}";
            default: return null;
        }
    }

    /** Appends a character matched literally: letters and digits as is, anything else escaped. */
    private static void appendLiteral(StringBuilder re, char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c > 0x7f) {
            re.append(c);
        } else {
            re.append('\\').append(c);
        }
    }

    @Override
    public String toString() {
        return source;
    }
}
