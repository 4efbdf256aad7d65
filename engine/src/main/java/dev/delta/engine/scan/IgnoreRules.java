package dev.delta.engine.scan;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Which paths a scan leaves out, in gitignore syntax.
 *
 * <p>Supported: blank lines and {@code #} comments; {@code \#} and {@code \!} for a literal
 * first character; trailing spaces dropped unless escaped ({@code \ }); {@code !pattern}
 * re-includes; a trailing {@code /} matches directories only; a {@code /} at the start or in
 * the middle anchors the pattern to the scan root, otherwise it matches a name at any depth;
 * {@code *} and {@code ?} (never matching {@code /}); bracket classes {@code [a-z]},
 * {@code [!a-z]}, {@code [^a-z]} and {@code [[:digit:]]}-style classes; {@code **} as a whole
 * segment (leading {@code **}/, trailing /{@code **}, middle /{@code **}/). The last rule that
 * matches decides. As in git, an unclosed {@code [} is a literal, and a path cannot be
 * re-included when one of its parent directories is ignored: the scanner never descends into
 * an ignored directory, so nothing below it is even looked at.
 *
 * <p>Sources, in order: the {@value #FILE_NAME} file at the scan root, then extra patterns
 * (the command line's {@code --exclude}), so an extra pattern overrides the file. The
 * {@value #FILE_NAME} file itself is an ordinary file of the tree: it is published in the
 * manifest like any other (exclude it with a pattern if it should not be).
 *
 * <p>Immutable and thread-safe; patterns are compiled once.
 */
public final class IgnoreRules {
    /** Name of the ignore file read from the scan root. */
    public static final String FILE_NAME = ".deltaignore";

    /** Largest ignore file accepted; anything bigger is surely not a pattern list. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;

    /** Ignores nothing. */
    public static final IgnoreRules NONE = new IgnoreRules(List.of());

    private final List<IgnoreRule> rules;
    private final IgnoreRule[] array;

    private IgnoreRules(List<IgnoreRule> rules) {
        this.rules = Collections.unmodifiableList(rules);
        this.array = rules.toArray(new IgnoreRule[0]);
    }

    /** Rules from patterns given one per element, as they would appear in an ignore file. */
    public static IgnoreRules of(String... patterns) {
        return parse(List.of(patterns), "pattern");
    }

    /**
     * Rules from lines of an ignore file.
     *
     * @param lines  the lines, comments and blanks included
     * @param origin where they came from, used in {@link #describe()}
     */
    public static IgnoreRules parse(List<String> lines, String origin) {
        Objects.requireNonNull(lines, "lines");
        List<IgnoreRule> rules = new ArrayList<>();
        addAll(rules, lines, origin);
        return new IgnoreRules(rules);
    }

    /**
     * The rules for a scan root: its {@value #FILE_NAME} (if it is a regular file) followed by
     * {@code extraPatterns}.
     *
     * @throws IOException if the ignore file exists but cannot be read, is larger than
     *                     {@value #MAX_FILE_BYTES} bytes or is not UTF-8
     */
    public static IgnoreRules load(Path root, List<String> extraPatterns) throws IOException {
        Objects.requireNonNull(extraPatterns, "extraPatterns");
        List<IgnoreRule> rules = new ArrayList<>();
        Path file = root.resolve(FILE_NAME);
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            addAll(rules, readLines(file), FILE_NAME);
        }
        addAll(rules, extraPatterns, "--exclude");
        return new IgnoreRules(rules);
    }

    private static List<String> readLines(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + " is " + size + " bytes; an ignore file may have at most " + MAX_FILE_BYTES);
        }
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8", e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark is not part of the first pattern
        }
        return List.of(text.split("\n", -1));
    }

    private static void addAll(List<IgnoreRule> rules, List<String> lines, String origin) {
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            Objects.requireNonNull(line, "pattern");
            IgnoreRule r = IgnoreRule.parse(line, origin + ":" + lineNo + ": " + line.strip());
            if (r != null) {
                rules.add(r);
            }
        }
    }

    /** True when there are no rules at all. */
    public boolean isEmpty() {
        return array.length == 0;
    }

    /** Number of patterns (comments and blank lines not counted). */
    public int size() {
        return array.length;
    }

    /** The patterns with where each came from, one a line, for {@code --verbose} output. */
    public List<String> describe() {
        List<String> out = new ArrayList<>(rules.size());
        for (IgnoreRule r : rules) {
            out.add(r.source());
        }
        return out;
    }

    /**
     * Whether {@code relativePath} is left out: it, or one of its parent directories, is
     * matched last by an excluding rule.
     *
     * @param relativePath a '/'-separated path relative to the scan root, without leading '/'
     * @param isDirectory  whether the path is a directory (for patterns ending in '/')
     */
    public boolean isIgnored(String relativePath, boolean isDirectory) {
        if (array.length == 0) {
            return false;
        }
        int slash = relativePath.indexOf('/');
        while (slash >= 0) {
            if (decides(relativePath.substring(0, slash), true)) {
                return true; // a parent is excluded: nothing inside can be re-included
            }
            slash = relativePath.indexOf('/', slash + 1);
        }
        return decides(relativePath, isDirectory);
    }

    /**
     * Whether the rules exclude this path itself, assuming its parent directories are
     * included; what a walker that never descends into an ignored directory needs (it saves
     * re-checking every ancestor of every path).
     */
    public boolean isIgnoredGivenParentIncluded(String relativePath, boolean isDirectory) {
        return array.length != 0 && decides(relativePath, isDirectory);
    }

    private boolean decides(String path, boolean isDir) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        for (int i = array.length - 1; i >= 0; i--) {
            IgnoreRule r = array[i];
            if (r.matches(path, name, isDir)) {
                return !r.negated();
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "IgnoreRules" + describe();
    }
}
