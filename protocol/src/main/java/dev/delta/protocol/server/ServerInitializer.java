package dev.delta.protocol.server;

import dev.delta.protocol.codec.FrameDecoder;
import dev.delta.protocol.codec.MessageEncoder;
import dev.delta.protocol.handler.WireByteCounter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/** Builds a server connection's pipeline: counter, TLS, idle, flush consolidation, codec, handshake (keep-alive joins after it). */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    /** Name of the flush consolidation handler, which a pump that wrote much flushes past. */
    static final String FLUSH_CONSOLIDATION = "flush-consolidation";

    private final DatasetService service;
    private final ServerConfig config;
    private final SslContext ssl;
    private final WireByteCounter counter;
    private final ConnectionLimit limit;

    ServerInitializer(DatasetService service, ServerConfig config, SslContext ssl, WireByteCounter counter) {
        this.service = service;
        this.config = config;
        this.ssl = ssl;
        this.counter = counter;
        this.limit = new ConnectionLimit(config.maxConnections(), config.maxConnectionsPerHost());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("connection-limit", limit);
        p.addLast("wire-bytes", counter);
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        p.addLast("idle", new IdleStateHandler(config.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        // Many small frames (a DATA per small file, a CREDIT per read) would each be a write(2):
        // flushes during a read, or queued from other tasks, go out once the burst is over.
        p.addLast(FLUSH_CONSOLIDATION, new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        // Requests are small: each read is copied into one buffer, so a peer that sends a frame a
        // byte at a time holds that frame's bytes, not a buffer object per byte.
        p.addLast("frames", new FrameDecoder(config.limits(), false));
        p.addLast("encoder", new MessageEncoder());
        p.addLast("handshake", new ServerHandshake(service, config));
    }
}
