package dev.delta.node.edge;

import dev.delta.protocol.client.ReferenceReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads windows of a file of a committed release (the sync's base) for the protocol client to
 * apply patches against. Opened on the first window asked for; a symlink in the file's place is not
 * followed. A copy shorter than the window leaves zeros in the rest: the chunks rebuilt from it
 * then fail their ids and are fetched again without a reference, which is also what happens when
 * the file cannot be read at all.
 */
final class FileReferenceReader implements ReferenceReader {
    private final Path file;
    private FileChannel channel;
    private boolean unreadable;

    FileReferenceReader(Path releaseDir, String path) {
        this.file = releaseDir.resolve(path);
    }

    @Override
    public ByteBuffer read(long offset, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        try {
            if (channel == null && !unreadable) {
                channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            while (channel != null && b.hasRemaining()) {
                if (channel.read(b, offset + b.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            unreadable = true;
        }
        return b.clear();
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
