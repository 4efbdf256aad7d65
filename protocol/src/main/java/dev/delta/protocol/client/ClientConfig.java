package dev.delta.protocol.client;

import dev.delta.protocol.auth.TlsFiles;
import dev.delta.protocol.wire.Limits;

import java.time.Duration;

/**
 * Client settings.
 *
 * @param host server host
 * @param port server port
 * @param keyId key id sent in HELLO
 * @param secret shared secret for the HMAC proofs
 * @param tls mutual TLS files, or null for plain TCP
 * @param limits wire limits for what the server sends
 * @param receiveWindow flow-control window offered to the server, in payload bytes
 * @param maxInFlight requests sent before their answers finish; more wait in a queue
 * @param connectTimeout TCP connect plus handshake
 * @param requestTimeout longest time a request may go without a frame, for it or for any other request of
 *                       the connection (a server interleaves its answers: a busy link is not a stalled one)
 * @param idleTimeout read-idle time before a PING; twice this without a frame closes
 */
public record ClientConfig(String host, int port, String keyId, byte[] secret, TlsFiles tls, Limits limits,
                           int receiveWindow, int maxInFlight, Duration connectTimeout, Duration requestTimeout,
                           Duration idleTimeout) {
    /** Smallest window either side may offer. */
    public static final int MIN_WINDOW = 256 * 1024;

    /** Validates and copies the secret. */
    public ClientConfig {
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        secret = secret.clone();
        if (receiveWindow < MIN_WINDOW || receiveWindow < limits.maxDataLength()) {
            throw new IllegalArgumentException("receive window must be at least " + MIN_WINDOW
                    + " and hold a whole DATA frame: " + receiveWindow);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be positive");
        }
    }

    /** Default receive window: 16 MiB. */
    public static final int DEFAULT_WINDOW = 16 * 1024 * 1024;

    /** Defaults: plain TCP, 16 MiB window, 16 requests in flight, 10 s connect, 60 s request, 30 s idle. */
    public static ClientConfig of(String host, int port, String keyId, byte[] secret) {
        return new ClientConfig(host, port, keyId, secret, null, Limits.DEFAULT, DEFAULT_WINDOW, 16,
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    /** Same, with TLS. */
    public ClientConfig withTls(TlsFiles files) {
        return new ClientConfig(host, port, keyId, secret, files, limits, receiveWindow, maxInFlight, connectTimeout,
                requestTimeout, idleTimeout);
    }

    /** Same, with another window. */
    public ClientConfig withReceiveWindow(int window) {
        return new ClientConfig(host, port, keyId, secret, tls, limits, window, maxInFlight, connectTimeout,
                requestTimeout, idleTimeout);
    }

    /** Same, with another in-flight bound. */
    public ClientConfig withMaxInFlight(int n) {
        return new ClientConfig(host, port, keyId, secret, tls, limits, receiveWindow, n, connectTimeout,
                requestTimeout, idleTimeout);
    }

    /** Same, with another request timeout. */
    public ClientConfig withRequestTimeout(Duration d) {
        return new ClientConfig(host, port, keyId, secret, tls, limits, receiveWindow, maxInFlight, connectTimeout,
                d, idleTimeout);
    }
}
