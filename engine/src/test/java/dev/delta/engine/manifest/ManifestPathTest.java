package dev.delta.engine.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c.txt", "with space/ünïcödé/日本.txt", ".hidden", "..dots", "a/...", "x/.git/HEAD",
            "emoji/\uD83D\uDE00"})
    void validate_acceptsNormalRelativePaths(String p) {
        assertEquals(p, ManifestPath.validate(p));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "../../etc/passwd|'..' segment",
            "a/../../etc/passwd|'..' segment",
            "a/..|'..' segment",
            "/etc/passwd|absolute",
            "a//b|empty segment",
            "a/b/|ends with '/'",
            "./a|'.' segment",
            "a/./b|'.' segment",
            "a\\b|backslash",
    })
    void validate_rejectsHostilePathsNamingThem(String p, String reason) {
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> ManifestPath.validate(p));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().contains("'" + p + "'"), "message names the path: " + e.getMessage());
        assertEquals(p, e.path());
    }

    @Test
    void childProblem_agreesWithTheWholePathCheck() {
        String[] parents = {"", "a", "a/b", "x".repeat(200) + "/" + "y".repeat(200)};
        String[] names = {"f.txt", ".", "..", "a\\b", "tab\tname", "\u00e9t\u00e9", "\ud83d\ude00", "\ud83d", "..x",
                "n".repeat(255), "n".repeat(256), "\u00e9".repeat(127), "\u00e9".repeat(128), "\u0000", "c1\u0085"};
        for (String parent : parents) {
            for (String name : names) {
                String whole = parent.isEmpty() ? name : parent + "/" + name;
                assertEquals(ManifestPath.problem(whole) == null, ManifestPath.childProblem(parent, name) == null,
                        parent + " + " + name);
            }
        }
        String deep = ("d".repeat(250) + "/").repeat(16) + "d".repeat(40); // 4056 bytes
        assertTrue(ManifestPath.isValid(deep));
        assertEquals(null, ManifestPath.childProblem(deep, "n".repeat(39)));
        assertTrue(ManifestPath.childProblem(deep, "n".repeat(40)) != null, "4097 bytes");
        assertTrue(ManifestPath.childProblem("a", "b/c") != null);
    }

    @Test
    void validate_rejectsEmptyNulControlAndLongPaths() {
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate(""));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate(null));
        UnsafePathException nul = assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\0b"));
        assertTrue(nul.getMessage().contains("NUL"));
        assertTrue(nul.getMessage().contains("a\\x00b"), "control characters are escaped: " + nul.getMessage());
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\nb"));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\u007fb"));
        // C1 controls as well: U+0085 (NEL) breaks a line, U+009B (CSI) starts a terminal escape
        UnsafePathException nel = assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\u0085b"));
        assertTrue(nel.getMessage().contains("control character 0x85") && nel.getMessage().contains("a\\u0085b"),
                nel.getMessage());
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\u009b[31mb"));
        assertTrue(ManifestPath.isValid("a\u00a0b"), "U+00A0 is a printable (no-break) space");
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("x".repeat(256)));
        assertTrue(ManifestPath.isValid("x".repeat(255)));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("é".repeat(128)), "segment > 255 UTF-8 bytes");
        String deep = "d/".repeat(2000) + "f";
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate(deep + "/" + deep));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("bad\uD800surrogate"));
    }

    @Test
    void order_putsDirectoryRightBeforeItsContents() {
        List<String> paths = new ArrayList<>(List.of("a-b", "a/b", "a", "a/b/c", "a.txt", "B", "a0", "é", "\uD83D\uDE00", "\uFFFD"));
        paths.sort(ManifestPath.ORDER);
        assertEquals(List.of("B", "a", "a/b", "a/b/c", "a-b", "a.txt", "a0", "é", "\uFFFD", "\uD83D\uDE00"), paths);
    }

    @Test
    void parentAndName() {
        assertEquals("a/b", ManifestPath.parent("a/b/c"));
        assertEquals(null, ManifestPath.parent("c"));
        assertEquals("c", ManifestPath.name("a/b/c"));
        assertFalse(ManifestPath.isValid("a/"));
    }
}
