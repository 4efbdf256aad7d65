package dev.delta.engine.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files made with their manifest mode by the {@code open} that creates them, so that no
 * {@code fchmod} follows: one system call less for each of a cold copy's 80,000 files.
 *
 * <p>The kernel gives a new file the mode asked for less what the directory lets it have: the
 * process's umask, or the directory's default ACL where it has one (then the umask is not used).
 * Both only take bits away, so one probe per build tells which: a file created in the staging
 * root with mode 0777 (then deleted) has the bits any file created beneath it keeps, since the
 * build's directories are made inside it and inherit its default ACL. A mode that keeps all of
 * its bits under that {@linkplain #mask mask}, and has no set-id or sticky bit (the kernel may
 * drop those), is given at creation; any other, or a file already there (a resumed build), has
 * its mode set on the descriptor afterwards, as before.
 */
final class CreationMode {
    /** No mask known (the probe failed): every mode is set after creation. */
    static final int UNKNOWN = -1;
    private static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<?>[] ATTRIBUTES = new FileAttribute<?>[01000];

    private CreationMode() {
    }

    /**
     * The permission bits a file created in {@code dir} (or in a directory made beneath it)
     * keeps of those asked for; {@link #UNKNOWN} when the probe cannot tell (no POSIX modes, no
     * room, a name taken).
     */
    static int mask(Path dir) {
        Path probe = dir.resolve(".mode-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createFile(probe, PosixFilePermissions.asFileAttribute(Permissions.of(0777)));
            try {
                return (Integer) Files.getAttribute(probe, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return UNKNOWN;
        }
    }

    /** Whether a file created with {@code mode} where {@code mask} holds gets exactly {@code mode}. */
    static boolean exact(int mode, int mask) {
        return mask != UNKNOWN && (mode & 07000) == 0 && (mode & ~mask & 0777) == 0;
    }

    /**
     * Creates {@code p} for writing, with {@code mode}, never through a link; null when something
     * is there already (the caller opens it as it is).
     */
    static FileChannel create(Path p, int mode) throws IOException {
        try {
            return FileChannel.open(p, CREATE_NEW, attribute(mode & 0777));
        } catch (FileAlreadyExistsException e) {
            return null;
        }
    }

    private static FileAttribute<?> attribute(int mode) {
        FileAttribute<?> a = ATTRIBUTES[mode];
        if (a == null) { // a race makes two equal ones: either will do
            a = PosixFilePermissions.asFileAttribute(Permissions.of(mode));
            ATTRIBUTES[mode] = a;
        }
        return a;
    }
}
