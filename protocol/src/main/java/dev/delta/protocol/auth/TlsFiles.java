package dev.delta.protocol.auth;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProtocols;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * PEM files for mutual TLS 1.3: this side's certificate chain and PKCS#8 private key, and the CA
 * certificates that sign the peers it accepts.
 *
 * @param certChain PEM certificate chain of this node
 * @param privateKey PEM PKCS#8 private key of this node
 * @param trustedCa PEM certificates of the CA that signs peers
 */
public record TlsFiles(Path certChain, Path privateKey, Path trustedCa) {
    /** Checks that the files exist. */
    public TlsFiles {
        for (Path p : new Path[] {certChain, privateKey, trustedCa}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("TLS file not readable: " + p);
            }
        }
    }

    /** A server context that requires a client certificate signed by the trusted CA. */
    public SslContext serverContext() throws SSLException {
        return SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
                .trustManager(trustedCa.toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(SslProtocols.TLS_v1_3)
                .build();
    }

    /** A client context that presents this node's certificate and trusts only the CA. */
    public SslContext clientContext() throws SSLException {
        return SslContextBuilder.forClient()
                .keyManager(certChain.toFile(), privateKey.toFile())
                .trustManager(trustedCa.toFile())
                .protocols(SslProtocols.TLS_v1_3)
                .build();
    }
}
