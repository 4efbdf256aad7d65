package dev.delta.protocol.client;

import dev.delta.protocol.auth.HmacProof;
import dev.delta.protocol.handler.Errors;
import dev.delta.protocol.wire.Auth;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.Challenge;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.Hello;
import dev.delta.protocol.wire.HelloOk;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.ProtocolVersion;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client side of the handshake: HELLO out, CHALLENGE in, AUTH out, HELLO_OK in (the server's
 * proof is checked too), then installs a {@link ClientSession} and completes {@code ready}.
 */
final class ClientHandshake extends SimpleChannelInboundHandler<Message> {
    private final ClientConfig config;
    private final CompletableFuture<ClientSession> ready;
    private final Bytes32 clientNonce = HmacProof.nonce();
    private Challenge challenge;

    ClientHandshake(ClientConfig config, CompletableFuture<ClientSession> ready) {
        this.config = config;
        this.ready = ready;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new Hello(ProtocolVersion.LOWEST_COMPATIBLE, ProtocolVersion.CURRENT, clientNonce,
                config.keyId()));
        ctx.executor().schedule(() -> {
            if (fail(new DeltaException(ErrorKind.TIMEOUT, "handshake not finished within " + config.connectTimeout()))) {
                ctx.close();
            }
        }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
        if (msg instanceof ErrorMessage e) {
            fail(DeltaException.remote(e.code(), e.message()));
            ctx.close();
        } else if (challenge == null && msg instanceof Challenge c) {
            onChallenge(ctx, c);
        } else if (challenge != null && msg instanceof HelloOk ok) {
            onHelloOk(ctx, ok);
        } else {
            fail(new DeltaException(ErrorKind.PROTOCOL_ERROR, "unexpected " + msg.type() + " during handshake"));
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "unexpected " + msg.type() + " during handshake");
        }
    }

    private void onChallenge(ChannelHandlerContext ctx, Challenge c) {
        if (c.version() < ProtocolVersion.LOWEST_COMPATIBLE || c.version() > ProtocolVersion.CURRENT) {
            fail(new DeltaException(ErrorKind.VERSION_MISMATCH, "server chose version " + c.version()));
            Errors.closeWithError(ctx, ErrorCode.UNSUPPORTED_VERSION, "version " + c.version() + " not offered");
            return;
        }
        challenge = c;
        Bytes32 proof = HmacProof.compute(config.secret(), HmacProof.CLIENT_LABEL, c.version(), clientNonce,
                c.serverNonce(), config.keyId());
        ctx.writeAndFlush(new Auth(proof, config.receiveWindow(), config.limits().maxDataLength()));
    }

    private void onHelloOk(ChannelHandlerContext ctx, HelloOk ok) {
        Bytes32 expected = HmacProof.compute(config.secret(), HmacProof.SERVER_LABEL, challenge.version(),
                clientNonce, challenge.serverNonce(), config.keyId());
        if (!HmacProof.matches(expected, ok.proof())) {
            fail(new DeltaException(ErrorKind.AUTH_FAILED, "the server does not know the shared secret"));
            Errors.closeWithError(ctx, ErrorCode.AUTH_FAILED, "server proof rejected");
            return;
        }
        ClientSession session = new ClientSession(config, challenge.version());
        ctx.pipeline().replace(this, "session", session);
        ready.complete(session);
    }

    private boolean fail(DeltaException e) {
        return ready.completeExceptionally(e);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new DeltaException(ErrorKind.PEER_CLOSED, "connection closed during the handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ErrorCode code = Errors.classify(cause);
        ErrorKind kind = code == ErrorCode.INTERNAL ? ErrorKind.PEER_CLOSED : ErrorKind.fromRemote(code);
        fail(new DeltaException(kind, "handshake failed: " + cause.getMessage(), cause));
        Errors.closeWithError(ctx, code, String.valueOf(cause.getMessage()));
    }
}
