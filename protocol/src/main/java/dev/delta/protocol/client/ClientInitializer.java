package dev.delta.protocol.client;

import dev.delta.protocol.codec.DataDecompressor;
import dev.delta.protocol.codec.FrameDecoder;
import dev.delta.protocol.codec.MessageEncoder;
import dev.delta.protocol.handler.KeepAliveHandler;
import dev.delta.protocol.handler.WireByteCounter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds a client connection's pipeline: counter, TLS, idle, flush consolidation, codec, LZ4, keep-alive,
 * handshake.
 */
final class ClientInitializer extends ChannelInitializer<SocketChannel> {
    private final ClientConfig config;
    private final SslContext ssl;
    private final WireByteCounter counter;
    private final CompletableFuture<ClientSession> ready;

    ClientInitializer(ClientConfig config, SslContext ssl, WireByteCounter counter,
                      CompletableFuture<ClientSession> ready) {
        this.config = config;
        this.ssl = ssl;
        this.counter = counter;
        this.ready = ready;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("wire-bytes", counter);
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc(), config.host(), config.port()));
        }
        p.addLast("idle", new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        // Many small frames (a DATA per small file, a CREDIT per read) would each be a write(2):
        // flushes during a read, or queued from other tasks, go out once the burst is over.
        p.addLast("flush-consolidation", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast("frames", new FrameDecoder(config.limits()));
        p.addLast("lz4", new DataDecompressor(config.limits()));
        p.addLast("encoder", new MessageEncoder());
        p.addLast("keep-alive", new KeepAliveHandler());
        p.addLast("handshake", new ClientHandshake(config, ready));
    }
}
