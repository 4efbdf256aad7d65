package dev.delta.protocol.server;

import dev.delta.protocol.auth.HmacProof;
import dev.delta.protocol.handler.Errors;
import dev.delta.protocol.handler.KeepAliveHandler;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.PeerText;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.ProtocolVersion;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Server side of the handshake: HELLO in, CHALLENGE out, AUTH in, HELLO_OK out, then hands the
 * connection to a {@link ServerSession}. Any failure sends one ERROR and closes; an unknown key
 * and a wrong proof look the same to the client.
 */
final class ServerHandshake extends SimpleChannelInboundHandler<Message> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerHandshake.class);
    /** Smallest max DATA length a client may announce. */
    static final int MIN_MAX_DATA = 4096;
    private static final byte[] UNKNOWN_KEY_SECRET = HmacProof.nonce().toArray();

    /** Rejections are logged, but a flood of them is summed up rather than written line by line. */
    static final LogBudget REJECTIONS = new LogBudget(20, java.time.Duration.ofSeconds(10));

    private final DatasetService service;
    private final ServerConfig config;
    private io.netty.util.concurrent.ScheduledFuture<?> timeout;
    private Hello hello;
    private Bytes32 serverNonce;
    private int version;
    private byte[] secret;

    ServerHandshake(DatasetService service, ServerConfig config) {
        this.service = service;
        this.config = config;
    }

    /** A client gets one idle period to finish the handshake, even if it keeps answering PINGs. */
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            if (ctx.pipeline().context(this) != null) {
                REJECTIONS.warn(LOG, "peer {} rejected: handshake not finished within {}",
                        ctx.channel().remoteAddress(), config.idleTimeout());
                Errors.closeWithError(ctx, ErrorCode.TIMEOUT, "handshake not finished within " + config.idleTimeout());
            }
        }, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    /**
     * Replaced by the session, or the connection closed: the timer goes too. Left pending, it kept
     * each closed connection (its channel and pipeline) for the whole idle period, so a flood of
     * failed handshakes held memory for tens of thousands of them.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
        if (hello == null && msg instanceof Hello h) {
            onHello(ctx, h);
        } else if (hello != null && msg instanceof Auth a) {
            onAuth(ctx, a);
        } else {
            REJECTIONS.warn(LOG, "peer {} rejected: {} during the handshake", ctx.channel().remoteAddress(), msg.type());
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "unexpected " + msg.type() + " during handshake");
        }
    }

    private void onHello(ChannelHandlerContext ctx, Hello h) {
        version = ProtocolVersion.negotiate(h.minVersion(), h.maxVersion());
        if (version < 0) {
            REJECTIONS.warn(LOG, "peer {} rejected: it speaks protocol versions {}..{}", ctx.channel().remoteAddress(),
                    h.minVersion(), h.maxVersion());
            Errors.closeWithError(ctx, ErrorCode.UNSUPPORTED_VERSION, "server speaks versions "
                    + ProtocolVersion.LOWEST_COMPATIBLE + ".." + ProtocolVersion.CURRENT + ", client offered "
                    + h.minVersion() + ".." + h.maxVersion());
            return;
        }
        hello = h;
        Optional<byte[]> s = service.secret(h.keyId());
        secret = s.filter(b -> b.length > 0).orElse(UNKNOWN_KEY_SECRET);
        serverNonce = HmacProof.nonce();
        ctx.writeAndFlush(new Challenge(version, serverNonce, config.receiveWindow()));
    }

    private void onAuth(ChannelHandlerContext ctx, Auth a) {
        Bytes32 expected = HmacProof.compute(secret, HmacProof.CLIENT_LABEL, version, hello.clientNonce(),
                serverNonce, hello.keyId());
        if (!HmacProof.matches(expected, a.proof()) || secret == UNKNOWN_KEY_SECRET) {
            REJECTIONS.warn(LOG, "peer {} rejected: authentication failed for key id '{}'",
                    ctx.channel().remoteAddress(), PeerText.printable(hello.keyId()));
            Errors.closeWithError(ctx, ErrorCode.AUTH_FAILED, "authentication failed");
            return;
        }
        if (a.window() < ServerConfig.MIN_WINDOW) {
            Errors.closeWithError(ctx, ErrorCode.LIMIT_EXCEEDED, "client window " + a.window() + " below "
                    + ServerConfig.MIN_WINDOW);
            return;
        }
        if (a.maxData() < MIN_MAX_DATA || a.maxData() > a.window()) {
            Errors.closeWithError(ctx, ErrorCode.LIMIT_EXCEEDED, "client max DATA length " + a.maxData()
                    + " outside [" + MIN_MAX_DATA + ", window]");
            return;
        }
        Bytes32 proof = HmacProof.compute(secret, HmacProof.SERVER_LABEL, version, hello.clientNonce(),
                serverNonce, hello.keyId());
        ctx.writeAndFlush(new HelloOk(proof));
        LOG.info("peer {} connected as '{}' (protocol v{})", ctx.channel().remoteAddress(),
                PeerText.printable(hello.keyId()), version);
        // Keep-alive only once authenticated: before, a PING is a message out of turn like any
        // other, and the handshake's own timer closes a peer that says nothing.
        ctx.pipeline().addBefore(ctx.name(), "keep-alive", new KeepAliveHandler());
        ctx.pipeline().replace(this, "session", new ServerSession(service, config, hello.keyId(), a.window(),
                Math.min(config.dataPiece(), a.maxData()), version));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                ? cause.getCause() : cause;
        if (root instanceof javax.net.ssl.SSLException) {
            // A peer that does not speak TLS, or whose certificate is not trusted: nothing can be
            // sent back that it would read, so the rejection is logged here and the link closed.
            LOG.warn("peer {} rejected: TLS handshake failed ({})", ctx.channel().remoteAddress(), root.getMessage());
            ctx.close();
            return;
        }
        // Garbage, a frame over the limit, a message out of turn: the peer gets an ERROR, the log a line.
        REJECTIONS.warn(LOG, "peer {} rejected before authenticating: {}", ctx.channel().remoteAddress(),
                PeerText.printable(String.valueOf(root.getMessage())));
        Errors.closeWithError(ctx, Errors.classify(cause), String.valueOf(cause.getMessage()));
    }
}
