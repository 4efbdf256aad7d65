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
    void validate_rejectsEmptyNulControlAndLongPaths() {
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate(""));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate(null));
        UnsafePathException nul = assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\0b"));
        assertTrue(nul.getMessage().contains("NUL"));
        assertTrue(nul.getMessage().contains("a\\x00b"), "control characters are escaped: " + nul.getMessage());
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\nb"));
        assertThrows(UnsafePathException.class, () -> ManifestPath.validate("a\u007fb"));
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
