package dev.delta.protocol.server;

import dev.delta.protocol.handler.WireByteCounter;
import dev.delta.protocol.handler.WireStats;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Delta protocol server. {@link #start} binds and returns; {@link #close} stops accepting,
 * closes connections and releases threads.
 *
 * <pre>{@code
 * try (DeltaServer server = DeltaServer.start(ServerConfig.of("127.0.0.1", 7420), service)) {
 *     ...
 * }
 * }</pre>
 */
public final class DeltaServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final WireStats stats;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DeltaServer(EventLoopGroup group, Channel channel, WireStats stats) {
        this.group = group;
        this.channel = channel;
        this.stats = stats;
    }

    /** Binds and starts serving. */
    public static DeltaServer start(ServerConfig config, DatasetService service) throws IOException {
        SslContext ssl = config.tls() == null ? null : config.tls().serverContext();
        WireStats stats = new WireStats();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new ServerInitializer(service, config, ssl, new WireByteCounter(stats)))
                    .bind(config.host(), config.port())
                    .sync()
                    .channel();
            return new DeltaServer(group, ch, stats);
        } catch (InterruptedException e) {
            group.shutdownGracefully();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + config.host() + ":" + config.port(), e);
        } catch (Exception e) {
            group.shutdownGracefully();
            throw new IOException("cannot bind " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** The bound port. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Bytes written to all connections, TLS included. */
    public long wireBytesSent() {
        return stats.bytesSent();
    }

    /** Bytes read from all connections, TLS included. */
    public long wireBytesReceived() {
        return stats.bytesReceived();
    }

    /** Flushes that reached the sockets of all connections. */
    public long wireFlushes() {
        return stats.flushes();
    }

    /** Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
