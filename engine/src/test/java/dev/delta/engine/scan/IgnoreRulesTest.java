package dev.delta.engine.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IgnoreRulesTest {
    private static final boolean DIR = true;
    private static final boolean FILE = false;

    /** (patterns separated by '|', path, isDirectory, expected ignored). */
    static Stream<Arguments> cases() {
        return Stream.of(
                // plain suffix, any depth
                Arguments.of("*.tmp", "a.tmp", FILE, true),
                Arguments.of("*.tmp", "x/y/a.tmp", FILE, true),
                Arguments.of("*.tmp", "a.tmpx", FILE, false),
                Arguments.of("*.tmp", "tmp", FILE, false),
                Arguments.of("*.tmp", "d.tmp", DIR, true),
                // directory only
                Arguments.of("cache/", "cache", DIR, true),
                Arguments.of("cache/", "cache", FILE, false),
                Arguments.of("cache/", "a/b/cache", DIR, true),
                Arguments.of("cache/", "cache/x.txt", FILE, true),
                Arguments.of("cache/", "cachex", DIR, false),
                // name at any depth, file or directory
                Arguments.of("build", "build", FILE, true),
                Arguments.of("build", "src/build", DIR, true),
                Arguments.of("build", "src/build/out.o", FILE, true),
                Arguments.of("build", "src/builder", FILE, false),
                // anchored with a leading slash
                Arguments.of("/build", "build", DIR, true),
                Arguments.of("/build", "src/build", DIR, false),
                Arguments.of("/build", "build/x", FILE, true),
                Arguments.of("/*.log", "a.log", FILE, true),
                Arguments.of("/*.log", "d/a.log", FILE, false),
                // anchored with a slash in the middle
                Arguments.of("docs/*.md", "docs/a.md", FILE, true),
                Arguments.of("docs/*.md", "docs/sub/a.md", FILE, false),
                Arguments.of("docs/*.md", "x/docs/a.md", FILE, false),
                Arguments.of("docs/*.md", "docs/a.mdx", FILE, false),
                Arguments.of("*/foo", "x/foo", FILE, true),
                Arguments.of("*/foo", "foo", FILE, false),
                Arguments.of("*/foo", "x/y/foo", FILE, false),
                // ** forms
                Arguments.of("**/node_modules", "node_modules", DIR, true),
                Arguments.of("**/node_modules", "a/b/node_modules", DIR, true),
                Arguments.of("**/node_modules", "a/node_modules/pkg/index.js", FILE, true),
                Arguments.of("**/node_modules", "a/node_modulesx", DIR, false),
                Arguments.of("**/lib/*.so", "lib/a.so", FILE, true),
                Arguments.of("**/lib/*.so", "x/y/lib/a.so", FILE, true),
                Arguments.of("**/lib/*.so", "x/lib/z/a.so", FILE, false),
                Arguments.of("a/**/b", "a/b", FILE, true),
                Arguments.of("a/**/b", "a/x/b", FILE, true),
                Arguments.of("a/**/b", "a/x/y/z/b", DIR, true),
                Arguments.of("a/**/b", "a/xb", FILE, false),
                Arguments.of("a/**/b", "x/a/b", FILE, false),
                Arguments.of("foo/**", "foo", DIR, false),
                Arguments.of("foo/**", "foo/x", FILE, true),
                Arguments.of("foo/**", "foo/x/y", FILE, true),
                Arguments.of("foo/**", "bar/foo/x", FILE, false),
                Arguments.of("**", "anything/at/all", FILE, true),
                Arguments.of("a**b", "axxb", FILE, true),
                Arguments.of("a**b", "ax/xb", FILE, false),
                // ? and character classes
                Arguments.of("file?.txt", "file1.txt", FILE, true),
                Arguments.of("file?.txt", "file10.txt", FILE, false),
                Arguments.of("a?b", "a/b", FILE, false),
                Arguments.of("log[0-9].txt", "log7.txt", FILE, true),
                Arguments.of("log[0-9].txt", "logx.txt", FILE, false),
                Arguments.of("log[!0-9].txt", "logx.txt", FILE, true),
                Arguments.of("log[!0-9].txt", "log7.txt", FILE, false),
                Arguments.of("log[^0-9].txt", "logx.txt", FILE, true),
                Arguments.of("[a-c]*", "bob", FILE, true),
                Arguments.of("[a-c]*", "dave", FILE, false),
                Arguments.of("x[]]y", "x]y", FILE, true),
                Arguments.of("x[[:digit:]]y", "x5y", FILE, true),
                Arguments.of("x[[:digit:]]y", "xay", FILE, false),
                Arguments.of("a[/]b", "a/b", FILE, false),
                Arguments.of("a[!x]b", "a/b", FILE, false),
                Arguments.of("x[y", "x[y", FILE, true),
                // escapes and comments
                Arguments.of("\\#notes", "#notes", FILE, true),
                Arguments.of("#notes", "#notes", FILE, false),
                Arguments.of("\\!important", "!important", FILE, true),
                Arguments.of("a\\*b", "a*b", FILE, true),
                Arguments.of("a\\*b", "axb", FILE, false),
                Arguments.of("trailing\\ ", "trailing ", FILE, true),
                Arguments.of("spaces   ", "spaces", FILE, true),
                Arguments.of("a.b", "axb", FILE, false),
                Arguments.of("a+(b)", "a+(b)", FILE, true),
                // negation and last-match-wins
                Arguments.of("*.tmp|!keep.tmp", "keep.tmp", FILE, false),
                Arguments.of("*.tmp|!keep.tmp", "other.tmp", FILE, true),
                Arguments.of("!keep.tmp|*.tmp", "keep.tmp", FILE, true),
                Arguments.of("*.tmp|!keep.tmp|*.tmp", "keep.tmp", FILE, true),
                Arguments.of("build/|!build/keep.txt", "build/keep.txt", FILE, true),
                Arguments.of("foo/**|!foo/keep", "foo/keep", FILE, false),
                Arguments.of("foo/**|!foo/keep", "foo/other", FILE, true),
                Arguments.of("/*|!/src", "src", DIR, false),
                Arguments.of("/*|!/src", "docs", DIR, true),
                Arguments.of("!x", "x", FILE, false),
                // no rules, blank lines, lone slash
                Arguments.of("", "a", FILE, false),
                Arguments.of("/", "a", DIR, false),
                Arguments.of("   |# comment", "a", FILE, false),
                // non-ASCII
                Arguments.of("café/", "x/café", DIR, true),
                Arguments.of("*.ñ", "año.ñ", FILE, true));
    }

    @ParameterizedTest(name = "[{index}] {0} on {1} (dir={2}) -> {3}")
    @MethodSource("cases")
    void isIgnored_table(String patterns, String path, boolean isDir, boolean expected) {
        IgnoreRules rules = IgnoreRules.of(patterns.split("\\|", -1));
        assertEquals(expected, rules.isIgnored(path, isDir), () -> rules + " on " + path);
    }

    @Test
    void isIgnoredGivenParentIncluded_doesNotLookAtParents() {
        IgnoreRules rules = IgnoreRules.of("build/", "!build/keep.txt");
        assertTrue(rules.isIgnored("build/keep.txt", FILE));
        assertFalse(rules.isIgnoredGivenParentIncluded("build/keep.txt", FILE));
        assertTrue(rules.isIgnoredGivenParentIncluded("build", DIR));
    }

    @Test
    void load_appliesExtrasAfterFile(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve(IgnoreRules.FILE_NAME), "# comment\n*.log\n!keep.log\nout/\r\n");
        IgnoreRules rules = IgnoreRules.load(root, List.of("keep.log", "!out/"));
        assertTrue(rules.isIgnored("a.log", FILE));
        assertTrue(rules.isIgnored("keep.log", FILE), "the extra pattern overrides the file's negation");
        assertFalse(rules.isIgnored("out", DIR), "the extra negation overrides the file's exclusion");
        assertFalse(rules.isIgnored(IgnoreRules.FILE_NAME, FILE));
        assertEquals(5, rules.size());
        assertEquals(".deltaignore:2: *.log", rules.describe().get(0));
        assertEquals("--exclude:2: !out/", rules.describe().get(4));
    }

    @Test
    void load_withoutFile_usesExtrasOnly(@TempDir Path root) throws IOException {
        IgnoreRules rules = IgnoreRules.load(root, List.of("*.o"));
        assertTrue(rules.isIgnored("x/a.o", FILE));
        assertEquals(1, rules.size());
        assertTrue(IgnoreRules.load(root, List.of()).isEmpty());
    }

    @Test
    void load_rejectsInvalidUtf8(@TempDir Path root) throws IOException {
        Files.write(root.resolve(IgnoreRules.FILE_NAME), new byte[] {'a', (byte) 0xff, '\n'});
        IOException e = assertThrows(IOException.class, () -> IgnoreRules.load(root, List.of()));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void load_skipsByteOrderMark(@TempDir Path root) throws IOException {
        Files.write(root.resolve(IgnoreRules.FILE_NAME), "\uFEFF*.bak\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(IgnoreRules.load(root, List.of()).isIgnored("a.bak", FILE));
    }

    /**
     * The fast paths (literal, suffix) must agree with the general regex translation: seeded
     * random names checked against both.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void fastPaths_agreeWithRegex(long seed) {
        Random rnd = new Random(seed);
        String[] patterns = {"*.tmp", "build", "a.b", "*.t", "*x"};
        for (String p : patterns) {
            IgnoreRule fast = IgnoreRule.parse(p, "t");
            java.util.regex.Pattern re = java.util.regex.Pattern.compile(IgnoreRule.toRegex(p));
            for (int i = 0; i < 500; i++) {
                String name = randomName(rnd);
                assertEquals(re.matcher(name).matches(), fast.matches(name, name, false), p + " vs " + name);
            }
        }
    }

    static Stream<Long> seeds() {
        return Stream.of(1L, 2L, 3L, 42L);
    }

    private static String randomName(Random rnd) {
        String alphabet = "abtmpxuild.*";
        int n = rnd.nextInt(8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        if (rnd.nextInt(4) == 0) {
            sb.append(".tmp");
        }
        if (rnd.nextInt(6) == 0) {
            return "build";
        }
        return sb.toString();
    }
}
