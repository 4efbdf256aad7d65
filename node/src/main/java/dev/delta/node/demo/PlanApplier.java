package dev.delta.node.demo;

import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.FilePlan;
import dev.delta.engine.plan.PathChange;
import dev.delta.engine.plan.RangePlan;
import dev.delta.engine.plan.Segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Builds a target version into a fresh directory from a {@link RangePlan}: unchanged files are
 * hard-linked from the current tree, LOCAL segments are copied from it, FETCH segments come from
 * a {@link RangeSource}, DUPLICATE segments are filled last from the new files themselves.
 *
 * <p>This is the demo's single-machine applier: it trusts that the manifests were validated by
 * the codec (paths are relative and normalized) and writes only below {@code staging}, which it
 * creates and which must not exist.
 */
public final class PlanApplier {

    /** Where FETCH bytes come from (the network, in a real edge). */
    public interface RangeSource {
        /** Reads {@code length} bytes at {@code offset} of {@code path} in the target version into {@code dst}. */
        void read(String path, long offset, ByteBuffer dst) throws IOException;
    }

    private final Path current;
    private final Path staging;
    private final RangeSource source;
    private long bytesFetched;
    private long bytesCopied;

    public PlanApplier(Path current, Path staging, RangeSource source) {
        this.current = current;
        this.staging = staging;
        this.source = source;
    }

    public long bytesFetched() {
        return bytesFetched;
    }

    public long bytesCopied() {
        return bytesCopied;
    }

    /** Assembles {@code target} under the staging directory. */
    public void apply(Manifest target, RangePlan plan) throws IOException {
        Files.createDirectory(staging);
        Map<String, FilePlan> assemble = new HashMap<>();
        for (FilePlan f : plan.files()) {
            assemble.put(f.path(), f);
        }
        Map<String, ChangeAction> actions = new HashMap<>();
        for (PathChange c : plan.diff().all()) {
            actions.put(c.path(), c.action());
        }
        List<FilePlan> withDuplicates = new ArrayList<>();
        for (Entry e : target.entries()) {
            Path dst = staging.resolve(e.path());
            switch (e.type()) {
                case DIR -> Files.createDirectory(dst);
                case SYMLINK -> Files.createSymbolicLink(dst, dst.getFileSystem().getPath(e.target()));
                case FILE -> {
                    FilePlan fp = assemble.get(e.path());
                    if (fp == null && actions.get(e.path()) == ChangeAction.UNCHANGED) {
                        Files.createLink(dst, current.resolve(e.path()));
                    } else if (fp == null) {
                        Files.copy(current.resolve(e.path()), dst, LinkOption.NOFOLLOW_LINKS);
                    } else if (assembleFile(fp, dst)) {
                        withDuplicates.add(fp);
                    }
                }
            }
        }
        for (FilePlan fp : withDuplicates) {
            fillDuplicates(fp);
        }
        // Modes and times last, deepest first, so writing children doesn't bump a directory's mtime.
        List<Entry> entries = target.entries();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            Path dst = staging.resolve(e.path());
            if (!e.isSymlink()) {
                Files.setPosixFilePermissions(dst, permissions(e.mode()));
            }
            Files.getFileAttributeView(dst, java.nio.file.attribute.BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setTimes(FileTime.from(e.mtimeNanos(), TimeUnit.NANOSECONDS), null, null);
        }
        Files.setLastModifiedTime(staging, Files.getLastModifiedTime(current));
    }

    /** Writes LOCAL and FETCH segments; returns true when DUPLICATE segments remain. */
    private boolean assembleFile(FilePlan fp, Path dst) throws IOException {
        boolean dup = false;
        try (FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (Segment s : fp.segments()) {
                switch (s.kind()) {
                    case LOCAL -> {
                        copy(current.resolve(s.sourcePath()), s.sourceOffset(), out, s.offset(), s.length());
                        bytesCopied += s.length();
                    }
                    case FETCH -> {
                        ByteBuffer buf = ByteBuffer.allocate((int) s.length());
                        source.read(fp.path(), s.offset(), buf);
                        buf.flip();
                        while (buf.hasRemaining()) {
                            out.write(buf, s.offset() + buf.position());
                        }
                        bytesFetched += s.length();
                    }
                    case DUPLICATE -> dup = true;
                }
            }
            out.truncate(fp.target().size());
        }
        return dup;
    }

    private void fillDuplicates(FilePlan fp) throws IOException {
        try (FileChannel out = FileChannel.open(staging.resolve(fp.path()), StandardOpenOption.WRITE)) {
            for (Segment s : fp.segments()) {
                if (s.kind() == Segment.Kind.DUPLICATE) {
                    copy(staging.resolve(s.sourcePath()), s.sourceOffset(), out, s.offset(), s.length());
                    bytesCopied += s.length();
                }
            }
        }
    }

    private static void copy(Path from, long fromOffset, FileChannel out, long toOffset, long length) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long done = 0;
            while (done < length) {
                long n = in.transferTo(fromOffset + done, length - done, out.position(toOffset + done));
                if (n <= 0) {
                    throw new IOException("short read copying " + length + " bytes from " + from + " at " + fromOffset);
                }
                done += n;
            }
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                s.add(order[bit]);
            }
        }
        return s;
    }
}
