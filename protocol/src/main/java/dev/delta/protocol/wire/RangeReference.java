package dev.delta.protocol.wire;

import java.util.List;
import java.util.Objects;

/**
 * What a GET_RANGES names as its reference (protocol version 2): one file of another version the
 * client holds, and per requested range a window of it. The server may then send a range's
 * pieces as patches against its window (DATA with {@link FrameLayout#FLAG_PATCH}).
 *
 * <pre>
 * version u64 | path (u16 length + UTF-8; empty = the request's own path) | count x (offset u64, length u32)
 * </pre>
 *
 * The count is the request's range count; a window of length 0 means "no reference for this range".
 *
 * @param version the version of the reference file
 * @param path    its path, or "" for the request's own path
 * @param windows one per requested range, each at most {@link Limits#MAX_REFERENCE_WINDOW} bytes
 */
public record RangeReference(long version, String path, List<Window> windows) {
    /** An empty window: no reference for that range. */
    public static final Window NONE = new Window(0, 0);

    /**
     * {@code [offset, offset + length)} of the reference file; length 0 = none.
     *
     * @param offset first byte, at least 0
     * @param length at most {@link Limits#MAX_REFERENCE_WINDOW}
     */
    public record Window(long offset, int length) {
        public Window {
            if (offset < 0 || length < 0 || length > Limits.MAX_REFERENCE_WINDOW || offset + length < 0) {
                throw new IllegalArgumentException("invalid reference window offset=" + offset + " length=" + length);
            }
        }

        /** One past the last byte. */
        public long end() {
            return offset + length;
        }
    }

    public RangeReference {
        Objects.requireNonNull(path, "path");
        windows = List.copyOf(windows);
        if (version < 1) {
            throw new IllegalArgumentException("reference version must be at least 1: " + version);
        }
    }
}
