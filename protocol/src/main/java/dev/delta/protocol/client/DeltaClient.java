package dev.delta.protocol.client;

import dev.delta.protocol.handler.WireByteCounter;
import dev.delta.protocol.handler.WireStats;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.ProtocolVersion;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Bye;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One authenticated connection to a Delta server. Thread-safe: every call hands its work to the
 * connection's I/O thread and returns a future; {@link #await} turns a future into a blocking call
 * with typed errors.
 *
 * <pre>{@code
 * try (DeltaClient c = DeltaClient.connect(ClientConfig.of("127.0.0.1", 7420, "edge-1", secret))) {
 *     ManifestBytes m = DeltaClient.await(c.fetchManifest("site", 0, 41));
 *     DeltaClient.await(c.fetchRanges("site", m.header().version(), "index.html", ranges,
 *             (range, offset, data) -> file.write(data, offset)));
 * }
 * }</pre>
 */
public final class DeltaClient implements AutoCloseable {
    /**
     * Largest socket read. A DATA piece larger than this arrives over several reads and reaches the
     * handler part by part, without a copy (the frame decoder gathers reads in a composite buffer).
     * Larger reads cost more than they save: on loopback, reads of up to 1 MiB took about twice the
     * CPU per byte of 64 KiB reads on both ends, as the kernel then copies into buffers that are no
     * longer in cache and holds the receiving socket longer while the sender delivers into it.
     */
    static final int MAX_READ = 64 * 1024;

    private final Channel channel;
    private final ClientSession session;
    private final ClientConfig config;
    private final WireStats stats;
    private final EventLoopGroup ownedGroup;

    private DeltaClient(Channel channel, ClientSession session, ClientConfig config, WireStats stats,
                        EventLoopGroup ownedGroup) {
        this.channel = channel;
        this.session = session;
        this.config = config;
        this.stats = stats;
        this.ownedGroup = ownedGroup;
    }

    /** Connects and authenticates, blocking. */
    public static DeltaClient connect(ClientConfig config) throws DeltaException {
        return await(connectAsync(config));
    }

    /** Connects and authenticates on a one-thread event loop of its own. */
    public static CompletableFuture<DeltaClient> connectAsync(ClientConfig config) {
        return connectAsync(config, null);
    }

    /**
     * Connects on a shared event loop group (many connections, few threads), or on one of its own
     * when {@code group} is null. A shared group is not shut down by {@link #close}.
     */
    public static CompletableFuture<DeltaClient> connectAsync(ClientConfig config, EventLoopGroup group) {
        CompletableFuture<DeltaClient> result = new CompletableFuture<>();
        SslContext ssl;
        try {
            ssl = config.tls() == null ? null : config.tls().clientContext();
        } catch (Exception e) {
            result.completeExceptionally(new DeltaException(ErrorKind.AUTH_FAILED, "cannot load TLS files: "
                    + e.getMessage(), e));
            return result;
        }
        EventLoopGroup owned = group == null ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : null;
        WireStats stats = new WireStats();
        CompletableFuture<ClientSession> ready = new CompletableFuture<>();
        ChannelFuture cf = new Bootstrap()
                .group(group == null ? owned : group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, MAX_READ, MAX_READ))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .handler(new ClientInitializer(config, ssl, new WireByteCounter(stats), ready))
                .connect(config.host(), config.port());
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                ready.completeExceptionally(new DeltaException(ErrorKind.PEER_CLOSED, "cannot connect to "
                        + config.host() + ":" + config.port() + ": " + f.cause().getMessage(), f.cause()));
            }
        });
        ready.whenComplete((session, error) -> {
            if (error == null) {
                result.complete(new DeltaClient(cf.channel(), session, config, stats, owned));
            } else {
                cf.channel().close();
                if (owned != null) {
                    owned.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    /**
     * Fetches a whole manifest (or delta) into memory.
     *
     * @param version the version, 0 for the latest
     * @param haveVersion the version held locally, 0 for none (then the server sends FULL)
     */
    public CompletableFuture<ManifestBytes> fetchManifest(String dataset, long version, long haveVersion) {
        ManifestCollector collector = new ManifestCollector();
        return streamManifest(dataset, version, haveVersion, collector)
                .thenApply(h -> new ManifestBytes(h, collector.bytes()));
    }

    /** Streams a manifest (or delta) into {@code sink}; completes with its header when all bytes arrived. */
    public CompletableFuture<ManifestHeader> streamManifest(String dataset, long version, long haveVersion,
                                                            ManifestSink sink) {
        ManifestRequest r = new ManifestRequest(dataset, version, haveVersion, sink, config.limits().maxManifestBytes());
        channel.eventLoop().execute(() -> session.submit(r));
        return r.future;
    }

    /**
     * Fetches byte ranges of one file; {@code handler} sees each range's bytes in order. At most
     * {@link ClientConfig#maxInFlight()} requests are sent at once; the rest wait.
     */
    public CompletableFuture<RangeResult> fetchRanges(String dataset, long version, String path,
                                                      List<ByteRange> ranges, RangeHandler handler) {
        if (ranges.isEmpty() || ranges.size() > config.limits().maxRangesPerRequest()) {
            return CompletableFuture.failedFuture(new DeltaException(ErrorKind.LIMIT_EXCEEDED, "a request holds 1 to "
                    + config.limits().maxRangesPerRequest() + " ranges, not " + ranges.size()));
        }
        RangeRequest r = new RangeRequest(dataset, version, path, ranges, handler);
        channel.eventLoop().execute(() -> session.submit(r));
        return r.future;
    }

    /**
     * Like {@link #fetchRanges(String, long, String, List, RangeHandler)}, naming a reference the
     * server may send patches against: a file of another version this node holds, and a window of
     * it per range ({@link RangeReference}). Patches are applied here, with windows read from
     * {@code reader}; the handler sees raw bytes either way. On a connection of protocol version 1
     * the reference is not sent. The reader is closed when the request ends.
     */
    public CompletableFuture<RangeResult> fetchRanges(String dataset, long version, String path, List<ByteRange> ranges,
                                                      RangeReference reference, ReferenceReader reader,
                                                      RangeHandler handler) {
        if (ranges.isEmpty() || ranges.size() > config.limits().maxRangesPerRequest()) {
            return CompletableFuture.failedFuture(new DeltaException(ErrorKind.LIMIT_EXCEEDED, "a request holds 1 to "
                    + config.limits().maxRangesPerRequest() + " ranges, not " + ranges.size()));
        }
        if (reference != null && (reader == null || reference.windows().size() != ranges.size())) {
            throw new IllegalArgumentException("a reference needs a reader and one window per range");
        }
        RangeRequest r = new RangeRequest(dataset, version, path, ranges, reference, reader, handler);
        channel.eventLoop().execute(() -> session.submit(r));
        return r.future;
    }

    /**
     * Fetches several whole files of one version in one request (GET_FILES), named by their
     * positions in its manifest: {@code handler} sees their contents one after the other as one
     * range (index 0, offsets counted from the first file's first byte), {@code totalBytes} in
     * all. Needs protocol version 3 ({@link #protocolVersion()}); an upstream may send a group of
     * small files as one LZ4 block it prepared.
     */
    public CompletableFuture<RangeResult> fetchFiles(String dataset, long version, int[] files, long totalBytes,
                                                     RangeHandler handler) {
        for (int f : files) {
            if (f < 0) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("negative file index " + f));
            }
        }
        if (files.length == 0 || files.length > config.limits().maxRangesPerRequest() || totalBytes <= 0
                || totalBytes > ByteRange.MAX_LENGTH) {
            return CompletableFuture.failedFuture(new DeltaException(ErrorKind.LIMIT_EXCEEDED, "a request names 1 to "
                    + config.limits().maxRangesPerRequest() + " files holding 1 to " + ByteRange.MAX_LENGTH
                    + " bytes, not " + files.length
                    + " holding " + totalBytes));
        }
        if (session.version() < ProtocolVersion.FILE_GROUPS) {
            return CompletableFuture.failedFuture(new DeltaException(ErrorKind.PROTOCOL_ERROR, "GET_FILES needs "
                    + "protocol version " + ProtocolVersion.FILE_GROUPS + "; this connection speaks "
                    + session.version()));
        }
        RangeRequest r = new RangeRequest(dataset, version, files, totalBytes, handler);
        channel.eventLoop().execute(() -> session.submit(r));
        return r.future;
    }

    /** The protocol version this connection speaks. */
    public int protocolVersion() {
        return session.version();
    }

    /** Subscribes to ANNOUNCEs of a dataset. */
    public Subscription subscribe(String dataset, AnnouncementListener listener) throws DeltaException {
        CompletableFuture<Integer> id = new CompletableFuture<>();
        channel.eventLoop().execute(() -> session.subscribe(dataset, listener, id));
        int n = await(id);
        return new Subscription() {
            @Override
            public String dataset() {
                return dataset;
            }

            @Override
            public void close() {
                channel.eventLoop().execute(() -> session.unsubscribe(n, dataset));
            }
        };
    }

    /** Round-trip time of a PING. */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> f = new CompletableFuture<>();
        channel.eventLoop().execute(() -> session.ping(f));
        return f;
    }

    /** Bytes written to the socket, TLS included. */
    public long wireBytesSent() {
        return stats.bytesSent();
    }

    /** Bytes read from the socket, TLS included. */
    public long wireBytesReceived() {
        return stats.bytesReceived();
    }

    /** Flushes that reached the socket. */
    public long wireFlushes() {
        return stats.flushes();
    }

    /** The underlying channel, for tests in this package. */
    Channel channel() {
        return channel;
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Sends BYE and closes; pending requests fail with {@link ErrorKind#PEER_CLOSED}. */
    @Override
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new Bye()).awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** Waits for a future of this API, unwrapping its {@link DeltaException}. */
    public static <T> T await(CompletableFuture<T> future) throws DeltaException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeltaException(ErrorKind.TIMEOUT, "interrupted while waiting", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeltaException d) {
                throw d;
            }
            throw new DeltaException(ErrorKind.PROTOCOL_ERROR, String.valueOf(e.getCause()), e.getCause());
        }
    }
}
