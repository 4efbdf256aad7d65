package dev.delta.engine.store;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A hard-linked copy of the current release, made while a node is idle, that the next
 * {@link ReleaseBuilder} turns into its staging directory: the build then costs system calls for
 * the paths that changed, not one {@code link(2)} per file of the tree.
 *
 * <p>Layout: {@code .delta/mirror/vN-<16 hex of vN's root digest>/} holds vN's directories (the
 * owner's write and search bits forced on; the release's own mode and mtime applied where that
 * already grants them) and a hard link to each of vN's files. No symlinks: the builder creates
 * those last, so no write ever goes through one. A marker {@code vN-<hex>.ready}, written only
 * once every link is in place, holds the kernel's boot id: a mirror survives a process kill (its
 * system calls completed), but after a reboot its directory entries may not have reached the
 * disk, so it is not trusted then. Without a boot id (not Linux) no mirror is made.
 *
 * <p>A builder {@link #take takes} a ready mirror by removing its marker and renaming the
 * directory into staging; anything else under {@code .delta/mirror} is stale and removed by the
 * next {@link #prepare}. Callers hold the dataset lock.
 */
public final class ReleaseMirror {
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private ReleaseMirror() {
    }

    static Path root(DatasetStore store) {
        return store.root().resolve(".delta/mirror");
    }

    private static String name(long version, byte[] rootDigest) {
        return "v" + version + "-" + Sha256.hex(rootDigest).substring(0, 16);
    }

    /**
     * Makes the mirror of {@code current} (the release {@code current} points at, with its root
     * digest) unless it is there already, removing any other. Stops early, leaving no marker,
     * when {@code abort} says so (checked between batches of files).
     *
     * @return true when a ready mirror of {@code current} is in place
     */
    public static boolean prepare(DatasetStore store, Manifest current, byte[] rootDigest, BooleanSupplier abort)
            throws IOException {
        String boot = bootId();
        if (boot == null) {
            return false;
        }
        Path root = Files.createDirectories(root(store));
        String name = name(current.version(), rootDigest);
        Path dir = root.resolve(name);
        Path marker = root.resolve(name + ".ready");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!p.equals(dir) && !p.equals(marker)) {
                    DatasetStore.deleteTree(p); // a mirror of another release, or a partial one
                }
            }
        }
        if (boot.equals(readMarker(marker))) {
            return true;
        }
        Files.deleteIfExists(marker);
        DatasetStore.deleteTree(dir);
        Files.createDirectory(dir);
        Path release = store.releaseDir(current.version());
        List<Entry> files = new ArrayList<>();
        for (Entry e : current.entries()) { // canonical order: every directory before its children
            if (e.isDir()) {
                Files.createDirectory(dir.resolve(e.path()));
            } else if (e.isFile()) {
                files.add(e);
            }
        }
        if (!Batches.run(files.size(), abort, j -> {
            String p = files.get(j).path();
            Files.createLink(dir.resolve(p), release.resolve(p));
        }) || abort.getAsBoolean()) {
            return false;
        }
        List<Entry> entries = current.entries();
        for (int i = entries.size() - 1; i >= 0; i--) { // deepest first: a parent's mtime after its children
            Entry e = entries.get(i);
            if (e.isDir() && settles(e)) {
                Path d = dir.resolve(e.path());
                ReleaseBuilder.setMode(d, e.mode());
                Files.getFileAttributeView(d, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(ReleaseBuilder.settableTime(e.mtimeNanos()), null, null);
            }
        }
        DatasetStore.writeAtomically(marker, boot.getBytes(StandardCharsets.US_ASCII));
        return true;
    }

    /**
     * Whether a mirror directory carries this release directory's final mode and mtime: only when
     * its mode lets the owner write into it and search it, so that a build can still change it.
     */
    static boolean settles(Entry dir) {
        return (dir.mode() & 0300) == 0300;
    }

    /**
     * Takes the ready mirror of release {@code version} with {@code rootDigest}, if there is one:
     * removes its marker and returns its directory, for the caller to rename into staging.
     * Returns null when there is none, or it was made before the last reboot.
     */
    static Path take(DatasetStore store, long version, byte[] rootDigest) throws IOException {
        String boot = bootId();
        Path root = root(store);
        String name = name(version, rootDigest);
        Path marker = root.resolve(name + ".ready");
        if (boot == null || !boot.equals(readMarker(marker))) {
            return null;
        }
        Files.delete(marker); // from here on it is an ordinary staging directory, checked as such after a crash
        Path dir = root.resolve(name);
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? dir : null;
    }

    private static String readMarker(Path marker) throws IOException {
        try {
            return Files.readString(marker, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static String bootId() {
        try {
            String s = Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? null : s;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
