package dev.delta.engine.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescriptorMetadataTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static Instant mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
    }

    @Test
    void anOpenChannel_getsTheModeAndTheTimeToTheNanosecond() throws IOException {
        assertTrue(DescriptorMetadata.AVAILABLE, "sun.nio.ch or sun.nio.fs not opened: is --add-opens missing?");
        Path f = tmp.resolve("f");
        long t = 1_614_834_367_123_456_789L; // 2021-03-04T05:06:07.123456789Z
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[]{1, 2, 3}));
            assertTrue(DescriptorMetadata.set(ch, 04751, t));
        }
        assertEquals("rwxr-x--x", mode(f));
        assertEquals((Integer) 04751, (Integer) ((Integer) Files.getAttribute(f, "unix:mode") & 07777));
        assertEquals(Instant.parse("2021-03-04T05:06:07.123456789Z"), mtime(f));
    }

    @Test
    void aDirectoryByPath_andASymlinkIsNeverOpenedNorItsTargetTouched() throws IOException {
        Path d = Files.createDirectory(tmp.resolve("d"));
        assertTrue(DescriptorMetadata.set(d, 0750, 1_000_000_000L));
        assertEquals("rwxr-x---", mode(d));
        assertEquals(Instant.ofEpochSecond(1), mtime(d));

        Path target = Files.writeString(tmp.resolve("target"), "x");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        FileTime before = Files.getLastModifiedTime(target);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertFalse(DescriptorMetadata.set(link, 0777, 5_000_000_000L), "a symlink is set by path, not opened");
        assertEquals("rw-r--r--", mode(target));
        assertEquals(before, Files.getLastModifiedTime(target));
    }

    @Test
    void aPathItsOwnerCannotRead_isLeftToThePublicApi() throws IOException {
        Path f = Files.writeString(tmp.resolve("locked"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("-w-------"));
        boolean root = Files.isReadable(f); // root reads anything: then the descriptor path works too
        assertEquals(root, DescriptorMetadata.set(f, 0600, 2_000_000_000L));
        if (!root) {
            assertEquals("-w-------", mode(f));
        }
    }
}
