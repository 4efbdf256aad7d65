package dev.delta.node.edge;

import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.server.AnnounceListener;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DatasetService;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.server.RangeSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/** A release service whose range reads pass through a test hook (to slow them down, count or corrupt them). */
class WrappedService implements DatasetService {
    /** Sees every range read after it happened. */
    interface ReadHook {
        void afterRead(String path, long offset, ByteBuffer dst, int start, int n) throws IOException;
    }

    private final ReleaseService real;
    private final ReadHook hook;

    WrappedService(ReleaseService real, ReadHook hook) {
        this.real = real;
        this.hook = hook;
    }

    @Override
    public Optional<byte[]> secret(String keyId) {
        return real.secret(keyId);
    }

    @Override
    public ManifestStream openManifest(String dataset, long version, long have) throws DatasetException {
        return real.openManifest(dataset, version, have);
    }

    @Override
    public AutoCloseable subscribe(String dataset, AnnounceListener l) throws DatasetException {
        return real.subscribe(dataset, l);
    }

    @Override
    public RangeSource openFile(String dataset, long version, String path) throws DatasetException {
        return wrap(real.openFile(dataset, version, path), path);
    }

    /** Files by position go through the hook as {@code "files [i, j, ...]"}, read from the release (no packed group). */
    @Override
    public RangeSource openFiles(String dataset, long version, int[] files) throws DatasetException {
        return wrap(real.openFiles(dataset, version, files), "files " + java.util.Arrays.toString(files));
    }

    private RangeSource wrap(RangeSource r, String path) {
        return new RangeSource() {
            @Override
            public long size() {
                return r.size();
            }

            @Override
            public int read(long offset, ByteBuffer dst) throws IOException {
                int start = dst.position();
                int n = r.read(offset, dst);
                hook.afterRead(path, offset, dst, start, n);
                return n;
            }

            @Override
            public void close() throws IOException {
                r.close();
            }
        };
    }
}
