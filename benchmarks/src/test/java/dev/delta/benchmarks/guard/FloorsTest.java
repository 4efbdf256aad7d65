package dev.delta.benchmarks.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloorsTest {
    private static final List<String> KNOWN = List.of("fastcdc", "lz4.decompress");

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void load_committedFile_hasAPlausibleFloorForEveryGuardedRatio() throws IOException {
        // surefire runs in the module directory, where the build's guard reads the same file
        List<String> names = HotPathGuard.RATIOS.stream().map(Ratio::name).collect(Collectors.toList());
        Floors f = Floors.load(Path.of("guard-floors.properties"), new Properties(), names);
        for (String n : names) {
            assertTrue(f.floor(n) > 0.05 && f.floor(n) < 1, n + " floor " + f.floor(n));
            assertEquals("guard-floors.properties", f.source(n));
        }
    }

    @Test
    void load_readsFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f.properties");
        Files.writeString(file, "# comment\nfastcdc = 0.25\nlz4.decompress=0.125\n");
        Floors f = Floors.load(file, new Properties(), KNOWN);
        assertEquals(0.25, f.floor("fastcdc"));
        assertEquals(0.125, f.floor("lz4.decompress"));
    }

    @Test
    void of_systemPropertyOverridesOneFloor() {
        Floors f = Floors.of(props("fastcdc", "0.2", "lz4.decompress", "0.15"), "f",
                props("delta.guard.floor.fastcdc", "5", "unrelated", "x"), KNOWN);
        assertEquals(5.0, f.floor("fastcdc"));
        assertEquals("-Ddelta.guard.floor.fastcdc", f.source("fastcdc"));
        assertEquals(0.15, f.floor("lz4.decompress"));
        assertEquals("f", f.source("lz4.decompress"));
    }

    @Test
    void of_emptyOverride_keepsTheCommittedFloor() {
        Floors f = Floors.of(props("fastcdc", "0.2", "lz4.decompress", "0.15"), "f",
                props("delta.guard.floor.fastcdc", " ", "delta.guard.floor.lz4.decompress", ""), KNOWN);
        assertEquals(0.2, f.floor("fastcdc"));
        assertEquals(0.15, f.floor("lz4.decompress"));
    }

    @Test
    void of_misspelledOverride_isRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Floors.of(
                props("fastcdc", "0.2", "lz4.decompress", "0.15"), "f", props("delta.guard.floor.fastcd", "9"), KNOWN));
        assertTrue(e.getMessage().contains("unknown ratio 'fastcd'"), e.getMessage());
    }

    @Test
    void of_unknownNameInFile_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> Floors.of(
                props("fastcdc", "0.2", "lz4.decompress", "0.15", "lz4", "0.1"), "f", new Properties(), KNOWN));
    }

    @Test
    void of_missingFloor_isRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Floors.of(props("fastcdc", "0.2"), "f", new Properties(), KNOWN));
        assertTrue(e.getMessage().contains("lz4.decompress"), e.getMessage());
    }

    @Test
    void of_badValues_areRejected() {
        for (String bad : new String[] {"abc", "0", "-0.1", "NaN", "Infinity"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> Floors.of(props("fastcdc", bad, "lz4.decompress", "0.15"), "f", new Properties(), KNOWN), bad);
        }
    }
}
