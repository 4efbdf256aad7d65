package dev.delta.protocol.server;

import dev.delta.protocol.auth.HmacProof;
import dev.delta.protocol.handler.Errors;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
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

    private final DatasetService service;
    private final ServerConfig config;
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
        ctx.executor().schedule(() -> {
            if (ctx.pipeline().context(this) != null) {
                Errors.closeWithError(ctx, ErrorCode.TIMEOUT, "handshake not finished within " + config.idleTimeout());
            }
        }, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
        if (hello == null && msg instanceof Hello h) {
            onHello(ctx, h);
        } else if (hello != null && msg instanceof Auth a) {
            onAuth(ctx, a);
        } else {
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "unexpected " + msg.type() + " during handshake");
        }
    }

    private void onHello(ChannelHandlerContext ctx, Hello h) {
        version = ProtocolVersion.negotiate(h.minVersion(), h.maxVersion());
        if (version < 0) {
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
            LOG.warn("peer {} rejected: authentication failed for key id '{}'", ctx.channel().remoteAddress(),
                    hello.keyId());
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
        LOG.info("peer {} connected as '{}' (protocol v{})", ctx.channel().remoteAddress(), hello.keyId(), version);
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
        Errors.closeWithError(ctx, Errors.classify(cause), String.valueOf(cause.getMessage()));
    }
}
