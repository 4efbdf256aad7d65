package dev.delta.node.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainDescribeTest {
    @Test
    void aFullDisk_isExplained_notJustNamed() {
        String m = Main.describe(new IOException("No space left on device"));
        assertTrue(m.startsWith("No space left on device: the file system of the data directory is full"), m);
        assertTrue(m.contains("Nothing live was changed"), m);
    }

    @Test
    void aMissingFile_isNamed() {
        assertEquals("no such file or directory: /x/y", Main.describe(new NoSuchFileException("/x/y")));
    }
}
