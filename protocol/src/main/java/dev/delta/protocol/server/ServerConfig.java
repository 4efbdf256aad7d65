package dev.delta.protocol.server;

import dev.delta.protocol.auth.TlsFiles;
import dev.delta.protocol.wire.Limits;

import java.time.Duration;

/**
 * Server settings.
 *
 * @param host address to bind
 * @param port port to bind, 0 for any free port
 * @param tls mutual TLS files, or null for plain TCP
 * @param limits wire limits
 * @param receiveWindow flow-control window offered to clients, in payload bytes
 * @param dataPiece raw bytes per DATA frame at most
 * @param maxConcurrentRequests GET_RANGES and GET_MANIFEST served at once per connection
 * @param idleTimeout read-idle time before a PING; twice this without a frame closes the connection
 * @param ioThreads event loop threads, 0 for Netty's default
 * @param maxConnections connections open at once, from all peers; one more is closed at once
 * @param maxConnectionsPerHost connections open at once from one address
 */
public record ServerConfig(String host, int port, TlsFiles tls, Limits limits, int receiveWindow, int dataPiece,
                           int maxConcurrentRequests, Duration idleTimeout, int ioThreads, int maxConnections,
                           int maxConnectionsPerHost) {
    /**
     * Default {@link #maxConnections}. Each connection holds a socket and up to
     * {@code maxConcurrentRequests} open files, so the process's open-file limit should be about
     * 70 times this (the default 1,024 connections: 72k).
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    /** Default {@link #maxConnectionsPerHost}: an edge uses at most 16 fetch connections and one to follow. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 32;

    /** Smallest window either side may offer. */
    public static final int MIN_WINDOW = 256 * 1024;

    /** Validates. */
    public ServerConfig {
        if (receiveWindow < MIN_WINDOW) {
            throw new IllegalArgumentException("receive window below " + MIN_WINDOW + ": " + receiveWindow);
        }
        if (dataPiece < 1 || dataPiece > limits.maxDataLength()) {
            throw new IllegalArgumentException("data piece must be in [1, maxDataLength]: " + dataPiece);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("maxConcurrentRequests must be positive");
        }
        if (maxConnections < 1 || maxConnectionsPerHost < 1) {
            throw new IllegalArgumentException("connection limits must be positive");
        }
    }

    /** Default receive window: 16 MiB, as a client's. */
    public static final int DEFAULT_WINDOW = 16 * 1024 * 1024;

    /** Loopback or given host, defaults for the rest: 16 MiB window, 128 KiB pieces, 64 requests, 30 s idle. */
    public static ServerConfig of(String host, int port) {
        return new ServerConfig(host, port, null, Limits.DEFAULT, DEFAULT_WINDOW, Limits.DEFAULT_DATA_PIECE,
                64, Duration.ofSeconds(30), 0, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_HOST);
    }

    /** Same, with TLS. */
    public ServerConfig withTls(TlsFiles files) {
        return new ServerConfig(host, port, files, limits, receiveWindow, dataPiece, maxConcurrentRequests,
                idleTimeout, ioThreads, maxConnections, maxConnectionsPerHost);
    }

    /** Same, with another idle timeout. */
    public ServerConfig withIdleTimeout(Duration d) {
        return new ServerConfig(host, port, tls, limits, receiveWindow, dataPiece, maxConcurrentRequests, d, ioThreads,
                maxConnections, maxConnectionsPerHost);
    }

    /** Same, with other connection limits. */
    public ServerConfig withConnectionLimits(int total, int perHost) {
        return new ServerConfig(host, port, tls, limits, receiveWindow, dataPiece, maxConcurrentRequests, idleTimeout,
                ioThreads, total, perHost);
    }
}
