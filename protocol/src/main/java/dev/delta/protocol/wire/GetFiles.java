package dev.delta.protocol.wire;

import java.util.Arrays;

/**
 * Asks for several whole files of one version at once (protocol version 3), named by their
 * position in that version's manifest.
 *
 * <pre>
 * dataset (u8 length + UTF-8) | version u64 | count u16 | count x file index u32
 * </pre>
 *
 * DATA frames answer it as if it were a GET_RANGES of one range: the files' contents one after
 * the other, in the order named, in ascending contiguous pieces (range index 0, offset counted
 * from the first file's first byte); the last one carries {@link FrameLayout#FLAG_END}. A sender
 * may put several files, or parts of them, in one piece: a group of small files compressed
 * together as one LZ4 block.
 */
public record GetFiles(int requestId, String dataset, long version, int[] files) implements Message {
    /** Copies the index list. */
    public GetFiles {
        files = files.clone();
        if (files.length == 0 || files.length > 0xffff) {
            throw new IllegalArgumentException(files.length + " files: a GET_FILES names 1 to 65535 (count u16)");
        }
        for (int f : files) {
            if (f < 0) {
                throw new IllegalArgumentException("negative file index " + f);
            }
        }
    }

    /** The file indices (a copy). */
    @Override
    public int[] files() {
        return files.clone();
    }

    /** Number of files named. */
    public int count() {
        return files.length;
    }

    /** The {@code i}th file index. */
    public int file(int i) {
        return files[i];
    }

    @Override
    public MessageType type() {
        return MessageType.GET_FILES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GetFiles g && g.requestId == requestId && g.dataset.equals(dataset) && g.version == version
                && Arrays.equals(g.files, files);
    }

    @Override
    public int hashCode() {
        return (31 * (31 * requestId + dataset.hashCode()) + Long.hashCode(version)) * 31 + Arrays.hashCode(files);
    }

    @Override
    public String toString() {
        return "GetFiles[requestId=" + requestId + ", dataset=" + dataset + ", version=" + version + ", files="
                + Arrays.toString(files) + "]";
    }
}
