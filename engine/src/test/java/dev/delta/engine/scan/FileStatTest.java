package dev.delta.engine.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileStatTest {
    @TempDir
    Path tmp;

    @Test
    void directFieldPath_isInUse_whenTheJdkPackageIsOpened() {
        // The test JVM gets the same --add-opens as the launcher: the fast path must be live,
        // or a scan silently falls back to the slower public view.
        assertTrue(FileStat.UnixFields.AVAILABLE, "sun.nio.fs not readable: is --add-opens missing?");
    }

    @Test
    void directFields_agreeWithThePublicView_forEveryKind() throws IOException {
        Path file = Files.write(tmp.resolve("file"), new byte[12345]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2021-03-04T05:06:07.123456789Z")));
        Path old = Files.write(tmp.resolve("before-1970"), new byte[1]);
        Files.setLastModifiedTime(old, FileTime.from(Instant.parse("1960-01-01T00:00:00.5Z")));
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Path.of("file"));
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), Path.of("nowhere"));
        for (Path p : new Path[]{file, old, dir, link, dangling, tmp}) {
            assertEquals(FileStat.portable(p), FileStat.of(p), p.toString());
        }
        FileStat f = FileStat.of(file);
        assertEquals(FileStat.Kind.FILE, f.kind());
        assertEquals(0750, f.mode());
        assertEquals(12345, f.size());
        assertEquals(Instant.parse("2021-03-04T05:06:07.123456789Z").getEpochSecond() * 1_000_000_000L + 123456789,
                f.mtimeNanos());
        assertTrue(f.inode() != 0 && f.ctimeNanos() != 0);
        assertEquals(FileStat.Kind.SYMLINK, FileStat.of(link).kind(), "links are not followed");
        assertEquals(FileStat.Kind.DIR, FileStat.of(dir).kind());
    }

    @Test
    void missingPath_throwsLikeThePublicView() {
        Path gone = tmp.resolve("gone");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> FileStat.of(gone));
    }
}
