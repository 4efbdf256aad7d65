package dev.delta.node.release;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.FileGroups;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * An origin's LZ4 HC copies of its files' content, compressed once at publish and served as they
 * are to every edge ({@code RangeSource.precompressed}).
 *
 * <p>One file per distinct content, named by its SHA-256, in {@code <dataset>/.delta/lz4/}. The
 * content is cut into <em>blocks</em> along chunk boundaries: consecutive chunks up to
 * {@link #BLOCK_TARGET} bytes (a bigger chunk is a block of its own), so a range an edge asks for
 * (whole chunks) starts at a block boundary and, when it covers whole blocks, is served from here.
 * LZ4's ratio grows with the block (on a source tree, 16 KiB blocks leave 41% of the bytes, 64 KiB
 * blocks 37%), hence groups of chunks rather than single chunks. A block that does not shrink is
 * not stored; the server then sends it raw (or compresses it on the fly).
 *
 * <pre>
 * offset  bytes  field (big-endian)
 *  0       4     magic "DLZB"
 *  4       4     format version (1)
 *  8       8     content size
 * 16       4     block count n
 * 20       4     CRC32C of the block table
 * 24      28n    per block: content offset u64, content length u32, stored length u32 (0: not
 *                stored), data offset u64, CRC32C of the stored bytes u32
 * ...            stored blocks
 * </pre>
 *
 * <p>Groups of small files ({@link FileGroups}) are stored the same way, as a content of one block
 * (the files one after the other), named by the group's key instead of a file's SHA-256: an edge
 * that lacks a whole group gets that block for one GET_FILES.
 *
 * <p>Damage never reaches an edge as data: the table is checked when a file is opened, each block
 * against its CRC32C when read, and a bad file or block is simply not used (the server reads the
 * release file instead). The edge verifies every chunk's id on arrival in any case.
 */
public final class PackedBlocks {
    private static final Logger LOG = LoggerFactory.getLogger(PackedBlocks.class);

    /** Blocks group whole chunks up to this many bytes. */
    public static final int BLOCK_TARGET = 64 * 1024;
    static final int MAGIC = 0x444C5A42; // "DLZB"
    static final int FORMAT = 1;
    static final int HEADER = 24;
    static final int ROW = 28;
    private static final String SUFFIX = ".lz4b";
    /** In temporary names: a publish and a serving node may pack the same group at once. */
    private static final long PID = ProcessHandle.current().pid();
    /**
     * Content up to this size has its packed copy read whole, in one read, when it is opened (a
     * tree of small files is one request per file: header, table and block would be three reads).
     */
    static final long WHOLE_READ_MAX = 256 * 1024;

    private final Path dir;

    public PackedBlocks(Path datasetRoot) {
        this.dir = datasetRoot.resolve(".delta/lz4");
    }

    Path fileFor(byte[] sha256) {
        return dir.resolve(Sha256.hex(sha256) + SUFFIX);
    }

    /**
     * Compresses every file of {@code m} whose content has no packed copy yet, reading it from
     * {@code releaseDir} (a committed, verified release), on {@code threads} threads.
     *
     * @return bytes of content packed (0 when everything was packed already)
     */
    public long packRelease(Manifest m, Path releaseDir, int threads) throws IOException {
        return packRelease(m, releaseDir, threads, e -> true, () -> { });
    }

    /**
     * Same, for the files {@code which} accepts only, each block compressed once {@code pacer}
     * lets it (a big file is many blocks: the pacer is asked between them).
     */
    public long packRelease(Manifest m, Path releaseDir, int threads, java.util.function.Predicate<Entry> which,
                            Pacer pacer) throws IOException {
        Files.createDirectories(dir);
        List<Entry> toPack = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int looked = 0;
        for (Entry e : m.entries()) {
            if ((looked++ & (Pacer.EVERY - 1)) == 0) {
                pacer.await(); // looking for what to pack is a stat per file: 80,000 of them for a big tree
            }
            if (e.isFile() && e.size() > 0 && which.test(e) && seen.add(Sha256.hex(e.sha256()))
                    && !Files.exists(fileFor(e.sha256()), LinkOption.NOFOLLOW_LINKS)) {
                toPack.add(e);
            }
        }
        java.util.concurrent.atomic.AtomicLong packed = new java.util.concurrent.atomic.AtomicLong();
        inParallel(toPack.size(), threads, "delta-pack-", () -> {
            LZ4Compressor hc = LZ4Factory.fastestInstance().highCompressor();
            return i -> {
                Entry e = toPack.get(i);
                write(e, releaseDir.resolve(e.path()), hc, pacer);
                packed.addAndGet(e.size());
            };
        });
        return packed.get();
    }

    /**
     * Compresses every group of small files of {@code m} ({@link FileGroups}) that has no packed
     * copy yet as one LZ4 HC block, reading the files from {@code releaseDir} (a committed,
     * verified release), on {@code threads} threads. A group is named by its {@link FileGroups#key}
     * and stored like a content of one block; a group that does not shrink is recorded without a
     * block (stored length 0), so that it is not tried again.
     *
     * @return bytes of files packed (0 when every group was packed already)
     */
    public long packGroups(Manifest m, Path releaseDir, int threads) throws IOException {
        return packGroups(m, releaseDir, threads, g -> true, () -> { });
    }

    /**
     * Waits, before each group or block of a file is compressed, and every {@link #EVERY} files or
     * groups looked at in the search for those, for a moment the packing may take (it may throw to
     * stop it).
     */
    public interface Pacer {
        /** How many files or groups the search for work to do looks at between two calls. */
        int EVERY = 256;

        void await() throws IOException;
    }

    /**
     * Same, for the groups {@code which} accepts only (indices of {@code m}'s entries, as
     * {@link FileGroups#of} gives them), each compressed once {@code pacer} lets it.
     */
    public long packGroups(Manifest m, Path releaseDir, int threads, java.util.function.Predicate<int[]> which,
                           Pacer pacer) throws IOException {
        Files.createDirectories(dir);
        List<int[]> toPack = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int looked = 0;
        for (int[] g : FileGroups.of(m)) {
            if ((looked++ & (Pacer.EVERY - 1)) == 0) {
                pacer.await();
            }
            if (!which.test(g)) {
                continue;
            }
            byte[] key = FileGroups.key(m, g);
            if (seen.add(Sha256.hex(key)) && !Files.exists(fileFor(key), LinkOption.NOFOLLOW_LINKS)) {
                toPack.add(g);
                keys.add(key);
            }
        }
        java.util.concurrent.atomic.AtomicLong packed = new java.util.concurrent.atomic.AtomicLong();
        inParallel(toPack.size(), threads, "delta-pack-group-", () -> {
            LZ4Compressor hc = LZ4Factory.fastestInstance().highCompressor();
            byte[] raw = new byte[FileGroups.MAX_GROUP];
            byte[] comp = new byte[hc.maxCompressedLength(FileGroups.MAX_GROUP)];
            return i -> {
                pacer.await();
                int[] g = toPack.get(i);
                int len = 0;
                for (int f : g) {
                    Entry e = m.entries().get(f);
                    readWhole(releaseDir.resolve(e.path()), raw, len, (int) e.size());
                    len += (int) e.size();
                }
                int c = hc.compress(raw, 0, len, comp, 0, comp.length);
                // A group that does not shrink is recorded all the same (stored length 0): it is
                // not compressed again for the next release, and is served as the files' bytes.
                writeOneBlock(keys.get(i), len, comp, c < len ? c : 0);
                packed.addAndGet(len);
            };
        });
        return packed.get();
    }

    /** Reads exactly {@code len} bytes of {@code file} into {@code dst} at {@code at}. */
    private static void readWhole(Path file, byte[] dst, int at, int len) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer b = ByteBuffer.wrap(dst, at, len);
            while (b.hasRemaining()) {
                if (in.read(b, b.position() - at) < 0) {
                    throw new IOException(file + ": shorter than its manifest entry");
                }
            }
        }
    }

    /** Writes a packed file of one stored block: {@code stored} bytes of {@code comp} for {@code len} bytes. */
    private void writeOneBlock(byte[] name, int len, byte[] comp, int stored) throws IOException {
        Path tmp = dir.resolve(".tmp-" + Sha256.hex(name) + "-" + PID + "-" + Thread.currentThread().getId());
        ByteBuffer out = ByteBuffer.allocate(HEADER + ROW + stored);
        ByteBuffer row = ByteBuffer.allocate(ROW);
        row(row, 0, len, comp, stored, HEADER + ROW);
        out.put(header(len, 1, row.array())).put(row.array()).put(comp, 0, stored).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.force(false);
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, fileFor(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Work on one item; may throw. */
    private interface Task {
        void run(int item) throws IOException;
    }

    /** Runs {@code items} tasks on {@code threads} threads (this one included), each with its own state. */
    private static void inParallel(int items, int threads, String name,
                                   java.util.function.Supplier<Task> perThread) throws IOException {
        if (items == 0) {
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable worker = () -> {
            Task t = perThread.get();
            int i;
            while (failure.get() == null && (i = next.getAndIncrement()) < items) {
                try {
                    t.run(i);
                } catch (IOException ex) {
                    failure.compareAndSet(null, ex);
                }
            }
        };
        List<Thread> pool = new ArrayList<>();
        for (int t = 1; t < Math.max(1, threads); t++) {
            Thread th = new Thread(worker, name + t);
            th.setDaemon(true);
            th.start();
            pool.add(th);
        }
        worker.run();
        for (Thread th : pool) {
            try {
                th.join();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while packing");
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /**
     * Appends a block's table row: its content offset and length, and where its {@code stored}
     * bytes of {@code comp} lie in the file, with their CRC32C (0 and 0 when nothing is stored).
     */
    private static void row(ByteBuffer table, long offset, int length, byte[] comp, int stored, long dataPos) {
        CRC32C crc = new CRC32C();
        crc.update(comp, 0, stored);
        table.putLong(offset).putInt(length).putInt(stored).putLong(stored > 0 ? dataPos : 0)
                .putInt(stored > 0 ? (int) crc.getValue() : 0);
    }

    /** The header of a packed file of {@code size} bytes of content in {@code blocks} blocks, for its table. */
    private static ByteBuffer header(long size, int blocks, byte[] table) {
        CRC32C crc = new CRC32C();
        crc.update(table);
        return ByteBuffer.allocate(HEADER).putInt(MAGIC).putInt(FORMAT).putLong(size).putInt(blocks)
                .putInt((int) crc.getValue()).flip();
    }

    /** Writes the packed copy of {@code e}'s content, read from {@code file}; atomic (temp + rename). */
    void write(Entry e, Path file, LZ4Compressor hc) throws IOException {
        write(e, file, hc, () -> { });
    }

    private void write(Entry e, Path file, LZ4Compressor hc, Pacer pacer) throws IOException {
        ChunkList chunks = e.chunks();
        List<long[]> blocks = new ArrayList<>(); // {offset, length}
        long off = 0;
        int i = 0;
        while (i < chunks.size()) {
            long start = off;
            long len = chunks.length(i++);
            while (i < chunks.size() && len + chunks.length(i) <= BLOCK_TARGET) {
                len += chunks.length(i++);
            }
            blocks.add(new long[]{start, len});
            off = start + len;
        }
        if (off != e.size()) {
            throw new IOException(e.path() + ": chunk lengths add up to " + off + ", not " + e.size());
        }
        Path tmp = dir.resolve(".tmp-" + Sha256.hex(e.sha256()) + "-" + PID + "-" + Thread.currentThread().getId());
        int n = blocks.size();
        long dataStart = HEADER + (long) ROW * n;
        ByteBuffer table = ByteBuffer.allocate(ROW * n);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE)) {
            long dataPos = dataStart;
            byte[] raw = new byte[BLOCK_TARGET];
            byte[] comp = new byte[hc.maxCompressedLength(BLOCK_TARGET)];
            for (long[] b : blocks) {
                pacer.await();
                int len = (int) b[1];
                if (raw.length < len) {
                    raw = new byte[len];
                    comp = new byte[hc.maxCompressedLength(len)];
                }
                ByteBuffer rb = ByteBuffer.wrap(raw, 0, len);
                while (rb.hasRemaining()) {
                    if (in.read(rb, b[0] + rb.position()) < 0) {
                        throw new IOException(file + ": shorter than its manifest entry");
                    }
                }
                int c = hc.compress(raw, 0, len, comp, 0, comp.length);
                int stored = c < len ? c : 0;
                if (stored > 0) {
                    ByteBuffer cb = ByteBuffer.wrap(comp, 0, stored);
                    while (cb.hasRemaining()) {
                        out.write(cb, dataPos + cb.position());
                    }
                }
                row(table, b[0], len, comp, stored, dataPos);
                dataPos += stored;
            }
            ByteBuffer head = header(e.size(), n, table.array());
            while (head.hasRemaining()) {
                out.write(head, head.position());
            }
            table.flip();
            while (table.hasRemaining()) {
                out.write(table, HEADER + table.position());
            }
            out.force(false);
        } catch (IOException | RuntimeException ex) {
            Files.deleteIfExists(tmp);
            throw ex;
        }
        Files.move(tmp, fileFor(e.sha256()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Opens the packed copy of content {@code sha256} of {@code size} bytes, or null if there is none usable. */
    public Reader open(byte[] sha256, long size) {
        Path f = fileFor(sha256);
        FileChannel ch;
        try {
            ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("packed copy {} cannot be opened, serving the plain file: {}", f, e.toString());
            return null;
        }
        try {
            Reader r = size <= WHOLE_READ_MAX ? Reader.readWhole(ch, size) : Reader.read(ch, size, f);
            if (r == null) {
                LOG.warn("packed copy {} is damaged, serving the plain file", f);
                ch.close();
            }
            return r;
        } catch (IOException | RuntimeException e) {
            LOG.warn("packed copy {} cannot be read, serving the plain file: {}", f, e.toString());
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a read-only channel
            }
            return null;
        }
    }

    /**
     * A temporary file is someone's packing in progress (a serving node's, while a publish prunes)
     * until it is this old; older, it was left by a process that died.
     */
    static final long TEMP_STALE_MS = 10 * 60 * 1000;

    /**
     * Deletes the packed copies of every content not in {@code keep} (SHA-256 hex), and temporary
     * files older than {@link #TEMP_STALE_MS}; returns how many.
     */
    public int retainOnly(Set<String> keep) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                boolean stale = name.startsWith(".tmp-") ? olderThan(p, TEMP_STALE_MS)
                        : name.endsWith(SUFFIX) && !keep.contains(name.substring(0, name.length() - SUFFIX.length()));
                if (stale && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean olderThan(Path p, long ms) {
        try {
            return System.currentTimeMillis()
                    - Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() > ms;
        } catch (IOException gone) {
            return false;
        }
    }

    /** The block table of one packed file, with the file open for reading blocks. */
    public static final class Reader implements Closeable {
        /** The open packed file, or null when {@link #whole} holds all of it. */
        private final FileChannel ch;
        /**
         * All of a small copy, read at open, in pooled memory this reader holds one reference to
         * (each block handed out by {@link #block(ByteBufAllocator, long, int)} holds another);
         * null when read block by block.
         */
        private final ByteBuf wholeBuf;
        /** {@link #wholeBuf}'s bytes as read. */
        private final ByteBuffer whole;
        private boolean closed;
        private final long[] offsets;
        private final int[] lengths;
        private final int[] stored;
        private final long[] dataPos;
        private final int[] crcs;

        private Reader(FileChannel ch, ByteBuf wholeBuf, ByteBuffer whole, long[] offsets, int[] lengths, int[] stored,
                       long[] dataPos, int[] crcs) {
            this.ch = ch;
            this.wholeBuf = wholeBuf;
            this.whole = whole;
            this.offsets = offsets;
            this.lengths = lengths;
            this.stored = stored;
            this.dataPos = dataPos;
            this.crcs = crcs;
        }

        /**
         * Reads and checks the header and table; null when they do not hold together. A table
         * read from the same file before, byte for byte, is not parsed and checked again: a big
         * file's ranges come in many requests, each opening it, and its table runs to hundreds of
         * KiB (8,000 rows for 500 MB).
         */
        static Reader read(FileChannel ch, long size, Path file) throws IOException {
            long fileLen = ch.size();
            ByteBuffer head = readFully(ch, 0, HEADER);
            if (head == null) {
                return null;
            }
            int n = blockCount(head, size, fileLen);
            ByteBuffer table = n < 0 ? null : readFully(ch, HEADER, ROW * n);
            if (table == null) {
                return null;
            }
            TableKey key = new TableKey(file, fileLen, size, head.getInt(20));
            Parsed known;
            synchronized (TABLES) {
                known = TABLES.get(key);
            }
            if (known != null && known.raw.equals(table)) {
                Reader t = known.reader;
                return new Reader(ch, null, null, t.offsets, t.lengths, t.stored, t.dataPos, t.crcs);
            }
            Reader r = parse(ch, null, null, head.getInt(20), table.duplicate(), n, size, fileLen);
            if (r != null) {
                synchronized (TABLES) {
                    TABLES.put(key, new Parsed(table, r));
                }
            }
            return r;
        }

        /** A table's file as it was when read. */
        private record TableKey(Path file, long fileLen, long size, int tableCrc) {
        }

        /** A table as read and as parsed (its arrays are never changed; its channel is not used). */
        private record Parsed(ByteBuffer raw, Reader reader) {
        }

        /** Tables parsed lately. */
        private static final Map<TableKey, Parsed> TABLES = new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<TableKey, Parsed> eldest) {
                return size() > TABLES_KEPT;
            }
        };
        /** Tables kept: the files being served at once, a few versions of a few big files. */
        static final int TABLES_KEPT = 16;

        /**
         * Reads the whole packed copy of a small content with one read and closes {@code ch}: blocks
         * are then served from memory. Null when it does not hold together.
         */
        static Reader readWhole(FileChannel ch, long size) throws IOException {
            try (ch) {
                // Blocks group chunks up to BLOCK_TARGET, so two neighbours always exceed it: at most
                // 2 * size / BLOCK_TARGET + 1 blocks, each stored shorter than its content.
                int cap = (int) (HEADER + (long) ROW * (2 * size / BLOCK_TARGET + 1) + size);
                // Sized by the file, not by the bound: a packed copy is mostly a third of its content,
                // and allocating the bound took a quarter of a cold edge's origin's CPU (perf: 1,117
                // of 4,157 samples). One byte more than the file: one that grew since is not what
                // the table describes.
                long fileLen = ch.size();
                if (fileLen > cap || fileLen < HEADER) {
                    return null;
                }
                // Pooled memory, not a new heap buffer per request: zeroing the heap buffers, the page
                // faults of a heap growing into them and the JDK's copy through a temporary direct
                // buffer took 459 of a cold sync's origin's 1,907 I/O-thread samples (session 15).
                ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer((int) fileLen + 1);
                Reader r = null;
                try {
                    r = readWhole(ch, size, cap, buf);
                    return r;
                } finally {
                    if (r == null) {
                        buf.release();
                    }
                }
            }
        }

        private static Reader readWhole(FileChannel ch, long size, int cap, ByteBuf buf) throws IOException {
            ByteBuffer all = buf.nioBuffer(0, buf.capacity());
            int got = 0;
            while (all.hasRemaining()) {
                int r = ch.read(all, got);
                if (r < 0) {
                    break;
                }
                got += r;
                if (got >= HEADER) {
                    int n = blockCount(all.duplicate().flip(), size, got);
                    if (n >= 0 && got >= HEADER + ROW * n && got >= extent(all, n)) {
                        break; // everything the table refers to is in: no read to learn it is the end
                    }
                }
            }
            if (got > cap || got < HEADER) {
                return null;
            }
            all.flip();
            int n = blockCount(all.duplicate(), size, got);
            if (n < 0 || got < HEADER + ROW * n) {
                return null;
            }
            ByteBuffer table = all.duplicate().position(HEADER).limit(HEADER + ROW * n).slice();
            return parse(null, buf, all, all.getInt(20), table, n, size, got);
        }

        /** End of the stored data the table of {@code all} (n rows, read in) refers to. */
        private static long extent(ByteBuffer all, int n) {
            long end = HEADER + (long) ROW * n;
            for (int i = 0; i < n; i++) {
                int row = HEADER + ROW * i;
                end = Math.max(end, all.getLong(row + 16) + all.getInt(row + 12));
            }
            return end;
        }

        /** The block count of a header that fits {@code size} and {@code fileLen}, or -1. */
        private static int blockCount(ByteBuffer head, long size, long fileLen) {
            if (head.getInt(0) != MAGIC || head.getInt(4) != FORMAT || head.getLong(8) != size) {
                return -1;
            }
            int n = head.getInt(16);
            if (n <= 0 || (long) n * ROW > fileLen - HEADER || n > size) {
                return -1;
            }
            return n;
        }

        private static Reader parse(FileChannel ch, ByteBuf wholeBuf, ByteBuffer whole, int tableCrc, ByteBuffer table,
                                    int n, long size, long fileLen) {
            CRC32C crc = new CRC32C();
            crc.update(table.duplicate());
            if ((int) crc.getValue() != tableCrc) {
                return null;
            }
            long[] offsets = new long[n];
            int[] lengths = new int[n];
            int[] stored = new int[n];
            long[] dataPos = new long[n];
            int[] crcs = new int[n];
            long expect = 0;
            for (int i = 0; i < n; i++) {
                offsets[i] = table.getLong();
                lengths[i] = table.getInt();
                stored[i] = table.getInt();
                dataPos[i] = table.getLong();
                crcs[i] = table.getInt();
                if (offsets[i] != expect || lengths[i] <= 0 || stored[i] < 0 || stored[i] >= lengths[i]
                        || (stored[i] > 0 && (dataPos[i] < HEADER || dataPos[i] + stored[i] > fileLen))) {
                    return null;
                }
                expect += lengths[i];
            }
            return expect == size ? new Reader(ch, wholeBuf, whole, offsets, lengths, stored, dataPos, crcs) : null;
        }

        private static ByteBuffer readFully(FileChannel ch, long pos, int len) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(len);
            return readFully(ch, pos, b) ? b.flip() : null;
        }

        /** Fills {@code dst} from {@code pos} on; false when the file ends first. */
        private static boolean readFully(FileChannel ch, long pos, ByteBuffer dst) throws IOException {
            while (dst.hasRemaining()) {
                if (ch.read(dst, pos + dst.position()) < 0) {
                    return false;
                }
            }
            return true;
        }

        /** Index of the block that contains {@code offset}. */
        private int blockAt(long offset) {
            int lo = 0;
            int hi = offsets.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (offsets[mid] <= offset) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** The next piece at {@code offset}: a whole block when it fits, else up to the next block boundary. */
        public int pieceLength(long offset, int max) {
            int b = blockAt(offset);
            long toBoundary = offsets[b] + lengths[b] - offset;
            return (int) Math.max(1, Math.min(max, toBoundary));
        }

        /**
         * The length of the stored block of exactly {@code [offset, offset + length)} from the
         * table, without reading it, or -1 when there is none.
         */
        public int blockLength(long offset, int length) {
            int b = stored(offset, length);
            return b < 0 ? -1 : stored[b];
        }

        /** The stored LZ4 block of exactly {@code [offset, offset + length)}, or null; valid until closed. */
        public ByteBuffer block(long offset, int length) throws IOException {
            int b = closed ? -1 : stored(offset, length);
            if (b < 0) {
                return null;
            }
            ByteBuffer data = whole != null
                    ? whole.duplicate().position((int) dataPos[b]).limit((int) dataPos[b] + stored[b]).slice()
                    : readFully(ch, dataPos[b], stored[b]);
            return data != null && intact(b, data) ? data : null;
        }

        /**
         * {@link #block(long, int)} as a buffer the caller owns and releases, valid after this
         * reader is closed: a retained slice of a copy read whole, else the block read into a
         * buffer of {@code alloc}. Null when there is none.
         */
        public ByteBuf block(ByteBufAllocator alloc, long offset, int length) throws IOException {
            int b = closed ? -1 : stored(offset, length);
            if (b < 0) {
                return null;
            }
            if (wholeBuf != null) {
                ByteBuf slice = wholeBuf.slice((int) dataPos[b], stored[b]);
                return intact(b, slice.nioBuffer()) ? slice.retain() : null;
            }
            ByteBuf buf = alloc.directBuffer(stored[b]);
            boolean ok = false;
            try {
                ok = readFully(ch, dataPos[b], buf.nioBuffer(0, stored[b]))
                        && intact(b, buf.writerIndex(stored[b]).nioBuffer());
                return ok ? buf : null;
            } finally {
                if (!ok) {
                    buf.release();
                }
            }
        }

        /** The index of the stored block of exactly {@code [offset, offset + length)}, or -1. */
        private int stored(long offset, int length) {
            int b = blockAt(offset);
            return offsets[b] == offset && lengths[b] == length && stored[b] != 0 ? b : -1;
        }

        /** Whether block {@code b}'s stored bytes match their checksum (a damaged one is logged). */
        private boolean intact(int b, ByteBuffer data) {
            CRC32C crc = new CRC32C();
            crc.update(data.duplicate());
            if ((int) crc.getValue() != crcs[b]) {
                LOG.warn("packed block at {} fails its checksum; sending the plain bytes", offsets[b]);
                return false;
            }
            return true;
        }

        /** Number of blocks. */
        public int blocks() {
            return offsets.length;
        }

        /** Whether the packed copy was read whole when opened (no file is held open). */
        boolean inMemory() {
            return whole != null;
        }

        /** Holds on the copy read whole: this reader's and its blocks' not yet released (0 when none). */
        int references() {
            return wholeBuf == null ? 0 : wholeBuf.refCnt();
        }

        /** Bytes of memory the copy read whole takes (0 when read block by block). */
        long heldBytes() {
            return wholeBuf == null ? 0 : wholeBuf.capacity();
        }

        /** Closes the file, or gives up this reader's hold on the copy read whole; once. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (wholeBuf != null) {
                wholeBuf.release();
            }
            if (ch != null) {
                ch.close();
            }
        }
    }
}
