package dev.delta.engine.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSystemSyncTest {
    @TempDir
    Path dir;

    @Test
    void flushesTheFileSystemOfARealDirectory() throws IOException {
        Files.write(dir.resolve("f"), new byte[1 << 20]);
        FileSystemSync.flush(dir); // the real commands: sync -f, else sync
        assertEquals(1 << 20, Files.size(dir.resolve("f")));
    }

    @Test
    void theFirstCommandGetsTheDirectoryAndTheNextIsNotRun() throws IOException {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        // sh -c SCRIPT DIR: the directory is the script's $0
        FileSystemSync.flush(dir, List.of(List.of("sh", "-c", "printf %s \"$0\" > " + first),
                List.of("sh", "-c", "touch " + second)));
        assertEquals(dir.toString(), Files.readString(first));
        assertTrue(Files.notExists(second));
    }

    @Test
    void aFailedCommandFallsBackToTheNext() throws IOException {
        Path second = dir.resolve("second");
        FileSystemSync.flush(dir, List.of(List.of("false", "-f"), List.of("sh", "-c", "touch " + second)));
        assertTrue(Files.exists(second));
    }

    @Test
    void whenEveryCommandFailsTheErrorSaysWhatEachDid() {
        StoreException e = assertThrows(StoreException.class, () -> FileSystemSync.flush(dir, List.of(
                List.of("sh", "-c", "echo no such file system >&2; exit 3"),
                List.of("delta-no-such-program-here"))));
        assertTrue(e.getMessage().contains("cannot write " + dir + " to disk"), e.getMessage());
        assertTrue(e.getMessage().contains("exited with status 3: no such file system"), e.getMessage());
        assertTrue(e.getMessage().contains("'delta-no-such-program-here' could not start"), e.getMessage());
    }

    @Test
    void aMissingDirectoryIsRefusedBeforeAnyCommandRuns() {
        Path marker = dir.resolve("ran");
        StoreException e = assertThrows(StoreException.class, () -> FileSystemSync.flush(dir.resolve("gone"),
                List.of(List.of("sh", "-c", "touch " + marker))));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        assertTrue(Files.notExists(marker));
    }
}
