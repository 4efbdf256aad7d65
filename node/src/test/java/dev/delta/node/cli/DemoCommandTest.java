package dev.delta.node.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void demo_runsEveryStepAndChecksIt() {
        Path work = tmp.resolve("demo");
        CliRunner r = CliRunner.run("demo", "--dir", work.toString(), "--files", "40", "--blob-mib", "1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("demo OK"), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        assertTrue(r.out().contains("edge: follows to v2"), r.out());
        assertFalse(Files.exists(work), "the working directory is removed without --keep");
    }
}
