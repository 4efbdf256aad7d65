package dev.delta.protocol.handler;

import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;

import java.util.concurrent.TimeoutException;

/** Maps failures to wire error codes and closes connections the same way on both sides. */
public final class Errors {
    private Errors() {
    }

    /** The error code describing {@code t} to the peer. */
    public static ErrorCode classify(Throwable t) {
        Throwable c = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof TooLongFrameException || t instanceof TooLongFrameException) {
            return ErrorCode.LIMIT_EXCEEDED;
        }
        if (t instanceof DecoderException) {
            return ErrorCode.PROTOCOL_ERROR;
        }
        if (c instanceof FlowControlException) {
            return ErrorCode.FLOW_CONTROL;
        }
        if (c instanceof TimeoutException) {
            return ErrorCode.TIMEOUT;
        }
        return ErrorCode.INTERNAL;
    }

    /** Sends a connection-level ERROR (request id 0) and closes once it is written. */
    public static void closeWithError(ChannelHandlerContext ctx, ErrorCode code, String message) {
        if (!ctx.channel().isActive()) {
            return;
        }
        String m = message == null ? code.name() : message;
        ctx.writeAndFlush(new ErrorMessage(0, code.code(), m)).addListener(ChannelFutureListener.CLOSE);
    }
}
