package dev.delta.protocol.handler;

import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;

import java.util.concurrent.TimeoutException;

/**
 * Answers PING with PONG and keeps a quiet connection honest: after a read-idle period it sends a
 * PING of its own, and if the next idle period passes with still nothing read it fails the
 * channel with a {@link TimeoutException}. PONGs to its own PINGs are consumed here; other PONGs
 * go on up the pipeline.
 */
public final class KeepAliveHandler extends ChannelDuplexHandler {
    private long pingNonce = Long.MIN_VALUE;
    private boolean awaiting;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        awaiting = false;
        if (msg instanceof Ping p) {
            ctx.writeAndFlush(new Pong(p.nonce()));
        } else if (!(msg instanceof Pong p && p.nonce() == pingNonce)) {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (awaiting) {
            ctx.fireExceptionCaught(new TimeoutException("no frame from the peer within two idle periods"));
            return;
        }
        awaiting = true;
        pingNonce = System.nanoTime() | Long.MIN_VALUE;
        ctx.writeAndFlush(new Ping(pingNonce));
    }
}
