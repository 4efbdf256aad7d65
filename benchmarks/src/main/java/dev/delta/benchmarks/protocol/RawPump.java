package dev.delta.benchmarks.protocol;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The baseline: a Netty server that, asked for n bytes (one u64), writes them from a buffer in
 * 64 KiB slices as fast as the socket takes them, and a client that counts and drops them. No
 * framing, no compression, no credit: the most a single loopback connection carries here.
 */
final class RawPump implements AutoCloseable {
    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel server;
    private final Channel client;
    private volatile CompletableFuture<Long> pending;
    private long received;
    private long expected;

    RawPump(java.nio.ByteBuffer source) throws InterruptedException {
        ByteBuf data = Unpooled.wrappedBuffer(source.duplicate()).asReadOnly();
        serverGroup = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
        clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Sender(data));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        received += b.readableBytes();
                        b.release();
                        if (received == expected) {
                            pending.complete(received);
                        }
                    }
                }).connect("127.0.0.1", port).sync().channel();
    }

    /** Pumps {@code n} bytes and waits until all arrived. */
    long pump(long n) throws Exception {
        CompletableFuture<Long> f = new CompletableFuture<>();
        client.eventLoop().submit(() -> {
            pending = f;
            received = 0;
            expected = n;
            client.writeAndFlush(Unpooled.buffer(8).writeLong(n));
        }).sync();
        return f.get();
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        clientGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Writes slices of the source while the channel is writable. */
    private static final class Sender extends ChannelInboundHandlerAdapter {
        private final ByteBuf data;
        private long remaining;
        private int position;

        Sender(ByteBuf data) {
            this.data = data;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            remaining = b.readLong();
            b.release();
            pump(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            boolean wrote = false;
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(Math.min(64 * 1024, remaining), data.capacity() - position);
                ctx.write(data.retainedSlice(position, n), ctx.voidPromise());
                position = (position + n) % data.capacity();
                remaining -= n;
                wrote = true;
            }
            if (wrote) {
                ctx.flush();
            }
        }
    }
}
