package dev.delta.protocol.client;

import io.netty.handler.ssl.SslHandler;

/** Test access to the negotiated TLS protocol of a client connection. */
public final class TlsInspector {
    private TlsInspector() {
    }

    /** "TLSv1.3" and the like, or "none". */
    public static String protocol(DeltaClient client) {
        SslHandler ssl = client.channel().pipeline().get(SslHandler.class);
        return ssl == null ? "none" : ssl.engine().getSession().getProtocol();
    }
}
