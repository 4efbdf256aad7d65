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
    /** Open connections, closed through their pipelines by {@link #close} while their threads still run. */
    private final io.netty.channel.group.ChannelGroup connections;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DeltaServer(EventLoopGroup group, Channel channel, WireStats stats,
                        io.netty.channel.group.ChannelGroup connections) {
        this.group = group;
        this.channel = channel;
        this.stats = stats;
        this.connections = connections;
    }

    /** Binds and starts serving. */
    public static DeltaServer start(ServerConfig config, DatasetService service) throws IOException {
        SslContext ssl = config.tls() == null ? null : config.tls().serverContext();
        WireStats stats = new WireStats();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        io.netty.channel.group.ChannelGroup connections = new io.netty.channel.group.DefaultChannelGroup(
                io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object accepted) {
                            connections.add((Channel) accepted); // removed by the group when it closes
                            ctx.fireChannelRead(accepted);
                        }
                    })
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new ServerInitializer(service, config, ssl, new WireByteCounter(stats)))
                    .bind(config.host(), config.port())
                    .sync()
                    .channel();
            return new DeltaServer(group, ch, stats, connections);
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
        // Each connection is closed through its pipeline while its I/O thread still runs, so that
        // its handlers are removed and release what they hold (the encoder's header buffer); left
        // to the group's shutdown, that removal could be dropped with the thread's last tasks.
        connections.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
