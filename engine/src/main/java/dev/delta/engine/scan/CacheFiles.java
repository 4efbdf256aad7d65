package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.ChunkId;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The files of a {@link FileStateCache} directory and the rules that keep them trustworthy:
 *
 * <pre>
 * lock                    held (FileChannel.tryLock) while a process uses the cache
 * state                   "open"/"closed", the map's file name, and when closed its seal
 * map-&lt;capacity&gt;.cmap     the Chronicle Map, named after the entry count it was sized for
 * chunks/&lt;xxh3-128&gt;.tbl   chunk tables too large to keep in the map
 * snapshot                the last scan's files in canonical order, for a merge without lookups
 *                         ({@link FileStateSnapshot}); valid only for the sealed map it names
 * </pre>
 *
 * <p>The state file is written atomically (temporary file, then rename) and removed before a
 * new map file is created, so a crash during creation never leaves a half-made map that the
 * state file vouches for.
 */
final class CacheFiles {
    static {
        FileStateCache.disablePhoneHome();
    }

    private static final Logger LOG = LoggerFactory.getLogger(CacheFiles.class);
    private static final String STATE = "state";
    private static final String STATE_MAGIC = "delta-filestate 1";
    private static final String MAP_PREFIX = "map-";
    private static final String MAP_SUFFIX = ".cmap";
    private static final String SIDE_DIR = "chunks";
    private static final String SIDE_SUFFIX = ".tbl";
    private static final String TMP_PREFIX = "tmp-";

    /** The result of opening a map. */
    record Opened(ChronicleMap<String, byte[]> map, long capacity, FileStateCache.OpenMode mode, boolean wasFull) {
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private CacheFiles(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates {@code dir} if needed and locks it; null (after a warning) if that fails or another process holds it. */
    static CacheFiles lock(Path dir) {
        FileChannel ch = null;
        try {
            Files.createDirectories(dir.resolve(SIDE_DIR));
            ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // this JVM already holds it
            }
            if (l == null) {
                LOG.warn("file-state cache in {} is in use by another process; scanning without a cache", dir);
                ch.close();
                return null;
            }
            return new CacheFiles(dir, ch, l);
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache in {} cannot be used, scanning without it: {}", dir, e.toString());
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            return null;
        }
    }

    /** Opens, recovers or (re)creates the map, as the state file says. */
    Opened openMap(long minCapacity) throws IOException {
        Properties state = readState();
        String name = state == null ? null : state.getProperty("map");
        if (name != null && parseCapacity(name) <= 0) {
            name = null;
        }
        boolean hadMaps = deleteMapsExcept(name);
        Path file = name == null ? null : dir.resolve(name);
        if (file == null || !Files.exists(file)) {
            if (hadMaps) {
                LOG.warn("file-state cache in {} has no trustworthy state; rebuilding it", dir);
            }
            return create(minCapacity, hadMaps ? FileStateCache.OpenMode.REBUILT : FileStateCache.OpenMode.CREATED);
        }
        long capacity = parseCapacity(name);
        boolean wasFull = Boolean.parseBoolean(state.getProperty("full"));
        if ("closed".equals(state.getProperty("status"))) {
            String expect = state.getProperty("length") + "/" + state.getProperty("seal");
            String actual = seal(file);
            if (!expect.equals(actual)) {
                LOG.warn("file-state cache map {} does not match its seal (damaged or changed while closed); rebuilding",
                        file);
                return create(minCapacity, FileStateCache.OpenMode.REBUILT);
            }
            try {
                ChronicleMap<String, byte[]> m = builder(capacity).createPersistedTo(file.toFile());
                writeState("open", name, null, wasFull);
                return new Opened(m, capacity, FileStateCache.OpenMode.OPENED, wasFull);
            } catch (IOException | RuntimeException e) {
                LOG.warn("file-state cache map {} cannot be opened ({}); rebuilding", file, e.toString());
                return create(minCapacity, FileStateCache.OpenMode.REBUILT);
            }
        }
        LOG.warn("file-state cache map {} was not closed cleanly (the last process died?); recovering it", file);
        try {
            ChronicleMap<String, byte[]> m = builder(capacity).recoverPersistedTo(file.toFile(), false);
            writeState("open", name, null, wasFull);
            return new Opened(m, capacity, FileStateCache.OpenMode.RECOVERED, wasFull);
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache map {} cannot be recovered ({}); rebuilding", file, e.toString());
            return create(minCapacity, FileStateCache.OpenMode.REBUILT);
        }
    }

    private Opened create(long minCapacity, FileStateCache.OpenMode mode) throws IOException {
        Files.deleteIfExists(dir.resolve(STATE));
        deleteMapsExcept(null);
        long capacity = Math.max(FileStateCache.MIN_CAPACITY, minCapacity + minCapacity / 2);
        String name = MAP_PREFIX + capacity + MAP_SUFFIX;
        ChronicleMap<String, byte[]> m = builder(capacity).createPersistedTo(dir.resolve(name).toFile());
        writeState("open", name, null, false);
        return new Opened(m, capacity, mode, false);
    }

    /** A new map of {@code capacity} entries holding {@code old}'s entries; {@code old} is closed and deleted. */
    Opened grow(ChronicleMap<String, byte[]> old, long capacity) throws IOException {
        String name = MAP_PREFIX + capacity + MAP_SUFFIX;
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        ChronicleMap<String, byte[]> m = builder(capacity).createPersistedTo(file.toFile());
        try {
            for (Map.Entry<String, byte[]> e : old.entrySet()) {
                m.put(e.getKey(), e.getValue());
            }
        } catch (RuntimeException e) {
            m.close();
            Files.deleteIfExists(file);
            throw e;
        }
        writeState("open", name, null, false);
        old.close();
        deleteMapsExcept(name);
        LOG.info("file-state cache in {} grown to {} entries", dir, capacity);
        return new Opened(m, capacity, FileStateCache.OpenMode.OPENED, false);
    }

    private static ChronicleMapBuilder<String, byte[]> builder(long capacity) {
        return ChronicleMapBuilder.of(String.class, byte[].class)
                .name("delta-filestate")
                .entries(capacity)
                .averageKeySize(FileStateCache.AVERAGE_KEY_BYTES)
                .averageValueSize(FileStateCache.AVERAGE_VALUE_BYTES)
                .maxBloatFactor(4.0);
    }

    /**
     * Closes {@code m} and seals its file; problems only cost the next open a rebuild. Does not
     * release the lock (the caller writes the snapshot first).
     *
     * @return the {@link #identity} of the sealed state, or 0 if it could not be sealed
     */
    long closeAndSeal(ChronicleMap<String, byte[]> m, boolean full) {
        try {
            Path file = m.file().toPath();
            m.close();
            String name = file.getFileName().toString();
            String seal = seal(file);
            writeState("closed", name, seal, full);
            return identity(name, seal);
        } catch (IOException | RuntimeException e) {
            LOG.warn("file-state cache in {} could not be sealed; it will be recovered next time: {}", dir, e.toString());
            return 0;
        }
    }

    /**
     * The identity of the map state the state file vouches for: non-zero only when it says a
     * map was closed cleanly and that map file still carries the recorded seal (length, first
     * and last MiB, mtime and inode: a truncated, overwritten or replaced map fails), derived
     * from the map's name and seal. It changes whenever a process opens the map (the state
     * becomes "open") and after every close that changed the map file.
     */
    long closedIdentity() {
        Properties state = readState();
        if (state == null || !"closed".equals(state.getProperty("status")) || state.getProperty("map") == null
                || state.getProperty("length") == null || state.getProperty("seal") == null) {
            return 0;
        }
        String name = state.getProperty("map");
        if (parseCapacity(name) <= 0) {
            return 0;
        }
        String expect = state.getProperty("length") + "/" + state.getProperty("seal");
        try {
            if (!expect.equals(seal(dir.resolve(name)))) {
                return 0;
            }
        } catch (IOException e) {
            return 0;
        }
        return identity(name, expect);
    }

    private static long identity(String mapName, String seal) {
        byte[] b = (mapName + "\n" + seal).getBytes(StandardCharsets.UTF_8);
        CRC32C a = new CRC32C();
        a.update(b, 0, b.length);
        CRC32C z = new CRC32C();
        z.update(b, 0, b.length);
        z.update(0x5a);
        return (a.getValue() << 32 | z.getValue()) | 1L; // never 0
    }

    /** The snapshot file beside the map. */
    Path snapshotFile() {
        return dir.resolve(FileStateSnapshot.FILE_NAME);
    }

    /**
     * Replaces the snapshot file atomically. Not forced to disk: after a power loss a torn
     * snapshot fails its check and is ignored.
     */
    void writeSnapshot(byte[] data) throws IOException {
        writeAtomically(snapshotFile(), data, false);
    }

    /** Removes the snapshot file, if any. */
    void deleteSnapshot() throws IOException {
        Files.deleteIfExists(snapshotFile());
    }

    /** Releases the directory lock. */
    void release() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.debug("releasing the cache lock in {} failed", dir, e);
        }
    }

    /** Bytes hashed at each end of the map file by {@link #seal}. */
    static final int SEAL_EDGE_BYTES = 1 << 20;

    /**
     * "length/hash" of a map file: CRC32C of its first and last MiB (Chronicle's header and
     * segment headers, whose damage can stall Chronicle; entries carry their own checksums)
     * mixed with its mtime and inode, which any later write or replacement changes. Hashing the
     * whole file instead cost a second per run at 80k entries. CRC32C, not XXH3: a seal is taken
     * once at open and once at close, before any hash code is compiled, and CRC32C is an
     * intrinsic even in the interpreter (XXH3 over 2 MiB interpreted took ~0.3 s of each run).
     */
    static String seal(Path file) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        long length = a.size();
        long h = FileStat.toNanos(a.lastModifiedTime()) * 31 + java.util.Objects.hashCode(a.fileKey());
        ByteBuffer buf = ByteBuffer.allocate(SEAL_EDGE_BYTES);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long[] starts = {0, Math.max(SEAL_EDGE_BYTES, length - SEAL_EDGE_BYTES)};
            for (long start : starts) {
                buf.clear();
                while (buf.hasRemaining() && ch.read(buf, start + buf.position()) > 0) {
                    // keep reading until the buffer is full or the file ends
                }
                CRC32C crc = new CRC32C();
                crc.update(buf.array(), 0, buf.position());
                h = h * 0x9E3779B97F4A7C15L + crc.getValue();
            }
        }
        return length + "/" + Long.toHexString(h);
    }

    private Properties readState() {
        Path p = dir.resolve(STATE);
        try {
            byte[] bytes = Files.readAllBytes(p);
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (!text.startsWith(STATE_MAGIC + "\n")) {
                return null;
            }
            Properties props = new Properties();
            props.load(new java.io.StringReader(text.substring(STATE_MAGIC.length() + 1)));
            return props;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("file-state cache state file {} is unreadable: {}", p, e.toString());
            return null;
        }
    }

    private void writeState(String status, String mapName, String seal, boolean full) throws IOException {
        StringBuilder sb = new StringBuilder(STATE_MAGIC).append('\n');
        sb.append("status=").append(status).append('\n');
        sb.append("map=").append(mapName).append('\n');
        sb.append("full=").append(full).append('\n');
        if (seal != null) {
            int slash = seal.indexOf('/');
            sb.append("length=").append(seal, 0, slash).append('\n');
            sb.append("seal=").append(seal.substring(slash + 1)).append('\n');
        }
        writeAtomically(dir.resolve(STATE), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void writeAtomically(Path target, byte[] data) throws IOException {
        writeAtomically(target, data, true);
    }

    /** Writes to a temporary file and renames it into place; {@code sync}: forced to disk first. */
    private static void writeAtomically(Path target, byte[] data, boolean sync) throws IOException {
        Path tmp = target.resolveSibling(TMP_PREFIX + UUID.randomUUID());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (sync) {
                    ch.force(true);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes map files other than {@code keep} (and stray temporary files); true if any map file existed. */
    private boolean deleteMapsExcept(String keep) throws IOException {
        boolean any = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(MAP_PREFIX) && n.endsWith(MAP_SUFFIX)) {
                    any = true;
                    if (!n.equals(keep)) {
                        Files.deleteIfExists(p);
                    }
                } else if (n.startsWith(TMP_PREFIX)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return any;
    }

    private static long parseCapacity(String name) {
        if (!name.startsWith(MAP_PREFIX) || !name.endsWith(MAP_SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(MAP_PREFIX.length(), name.length() - MAP_SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Writes a side file unless one with that content (hence name) exists. */
    void writeSideFile(ChunkId id, byte[] table) throws IOException {
        Path target = dir.resolve(SIDE_DIR).resolve(id.toHex() + SIDE_SUFFIX);
        if (Files.exists(target) && Files.size(target) == table.length) {
            return;
        }
        writeAtomically(target, table);
    }

    /** The chunk list in side file {@code id}, or null if it is missing, damaged or does not fit. */
    ChunkList readSideFile(ChunkId id, int count, long size) {
        Path p = dir.resolve(SIDE_DIR).resolve(id.toHex() + SIDE_SUFFIX);
        try {
            if (Files.size(p) != (long) count * FileStateCodec.CHUNK_BYTES) {
                return null;
            }
            byte[] t = Files.readAllBytes(p);
            if (!FileStateCodec.sideId(t).equals(id)) {
                return null;
            }
            return FileStateCodec.chunks(t, 0, count, size);
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes side files whose names are not in {@code live} (hex ids), and stray temporary files. */
    void deleteSideFilesExcept(Set<String> live) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve(SIDE_DIR))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean keep = n.endsWith(SIDE_SUFFIX) && live.contains(n.substring(0, n.length() - SIDE_SUFFIX.length()));
                if (!keep) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
