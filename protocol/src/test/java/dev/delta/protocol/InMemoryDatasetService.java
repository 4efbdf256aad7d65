package dev.delta.protocol;

import dev.delta.protocol.server.AnnounceListener;
import dev.delta.protocol.server.DatasetException;
import dev.delta.protocol.server.DatasetService;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.server.RangeSource;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ManifestKind;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** A dataset service over in-memory files, counting what the server asks of it. */
public class InMemoryDatasetService implements DatasetService {
    /** One version: its root digest, encoded manifest and files. */
    public record Version(Bytes32 root, byte[] manifest, Map<String, Supplier<RangeSource>> files) {
    }

    private final Map<String, byte[]> secrets = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> forbidden = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, Version>> datasets = new ConcurrentHashMap<>();
    private final Map<String, CopyOnWriteArrayList<AnnounceListener>> listeners = new ConcurrentHashMap<>();
    /** Range sources open right now. */
    public final AtomicInteger openSources = new AtomicInteger();
    /** Most range sources open at once. */
    public final AtomicInteger maxOpenSources = new AtomicInteger();
    /** Bytes read from all range sources. */
    public final AtomicLong bytesRead = new AtomicLong();

    /** Adds a key. */
    public InMemoryDatasetService key(String keyId, byte[] secret) {
        secrets.put(keyId, secret.clone());
        return this;
    }

    /** Forbids a key a dataset. */
    public InMemoryDatasetService forbid(String keyId, String dataset) {
        forbidden.computeIfAbsent(keyId, k -> ConcurrentHashMap.newKeySet()).add(dataset);
        return this;
    }

    /** Adds a version with files served from buffers. */
    public InMemoryDatasetService version(String dataset, long version, Bytes32 root, byte[] manifest,
                                          Map<String, ByteBuffer> files) {
        Map<String, Supplier<RangeSource>> sources = new ConcurrentHashMap<>();
        files.forEach((path, buf) -> sources.put(path, () -> new BufferSource(buf.asReadOnlyBuffer())));
        return versionWithSources(dataset, version, root, manifest, sources);
    }

    /** Adds a version with arbitrary range sources. */
    public InMemoryDatasetService versionWithSources(String dataset, long version, Bytes32 root, byte[] manifest,
                                                     Map<String, Supplier<RangeSource>> files) {
        datasets.computeIfAbsent(dataset, d -> new ConcurrentHashMap<>()).put(version, new Version(root, manifest, files));
        return this;
    }

    /** Announces a version to subscribers. */
    public void publish(String dataset, long version, Bytes32 root) {
        listeners.getOrDefault(dataset, new CopyOnWriteArrayList<>()).forEach(l -> l.announce(dataset, version, root));
    }

    /** The delta this service sends from {@code have} to {@code version}. */
    public static byte[] delta(long have, long version) {
        return ("delta " + have + " -> " + version).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public Optional<byte[]> secret(String keyId) {
        return Optional.ofNullable(secrets.get(keyId));
    }

    @Override
    public boolean authorize(String keyId, String dataset) {
        return !forbidden.getOrDefault(keyId, Set.of()).contains(dataset);
    }

    private Map<Long, Version> versions(String dataset) throws DatasetException {
        Map<Long, Version> v = datasets.get(dataset);
        if (v == null) {
            throw new DatasetException(ErrorCode.UNKNOWN_DATASET, "no dataset " + dataset);
        }
        return v;
    }

    private long resolve(String dataset, long version) throws DatasetException {
        Map<Long, Version> v = versions(dataset);
        long n = version == 0 ? v.keySet().stream().mapToLong(Long::longValue).max().orElse(0) : version;
        if (!v.containsKey(n)) {
            throw new DatasetException(ErrorCode.VERSION_MISMATCH, dataset + " has no version " + version);
        }
        return n;
    }

    @Override
    public ManifestStream openManifest(String dataset, long version, long haveVersion) throws DatasetException {
        long n = resolve(dataset, version);
        Version v = versions(dataset).get(n);
        if (haveVersion != 0 && versions(dataset).containsKey(haveVersion)) {
            byte[] d = delta(haveVersion, n);
            return new ManifestStream(ManifestKind.DELTA, n, d.length, v.root(), new ByteArrayInputStream(d));
        }
        return new ManifestStream(ManifestKind.FULL, n, v.manifest().length, v.root(),
                new ByteArrayInputStream(v.manifest()));
    }

    @Override
    public RangeSource openFile(String dataset, long version, String path) throws DatasetException {
        Version v = versions(dataset).get(resolve(dataset, version));
        Supplier<RangeSource> s = v.files().get(path);
        if (s == null) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "no file " + path);
        }
        int open = openSources.incrementAndGet();
        maxOpenSources.accumulateAndGet(open, Math::max);
        return new CountingSource(s.get());
    }

    @Override
    public AutoCloseable subscribe(String dataset, AnnounceListener listener) throws DatasetException {
        long latest = resolve(dataset, 0);
        listeners.computeIfAbsent(dataset, d -> new CopyOnWriteArrayList<>()).add(listener);
        listener.announce(dataset, latest, versions(dataset).get(latest).root());
        return () -> listeners.get(dataset).remove(listener);
    }

    /** Serves a buffer. */
    static final class BufferSource implements RangeSource {
        private final ByteBuffer buf;

        BufferSource(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public long size() {
            return buf.capacity();
        }

        @Override
        public ByteBuffer view(long offset, int length) {
            return buf.slice((int) offset, length);
        }

        @Override
        public int read(long offset, ByteBuffer dst) {
            if (offset >= buf.capacity()) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), buf.capacity() - offset);
            dst.put(buf.slice((int) offset, n));
            return n;
        }
    }

    private final class CountingSource implements RangeSource {
        private final RangeSource inner;
        private boolean closed;

        CountingSource(RangeSource inner) {
            this.inner = inner;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public int read(long offset, ByteBuffer dst) throws java.io.IOException {
            int n = inner.read(offset, dst);
            if (n > 0) {
                bytesRead.addAndGet(n);
            }
            return n;
        }

        @Override
        public int pieceLength(long offset, int max) {
            return inner.pieceLength(offset, max);
        }

        @Override
        public ByteBuffer view(long offset, int length) {
            ByteBuffer v = inner.view(offset, length);
            if (v != null) {
                bytesRead.addAndGet(v.remaining());
            }
            return v;
        }

        @Override
        public ByteBuffer precompressed(long offset, int length) {
            return inner.precompressed(offset, length);
        }

        @Override
        public void close() throws java.io.IOException {
            if (!closed) {
                closed = true;
                openSources.decrementAndGet();
                inner.close();
            }
        }
    }
}
