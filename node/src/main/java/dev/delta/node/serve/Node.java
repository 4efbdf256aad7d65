package dev.delta.node.serve;

import dev.delta.node.config.NodeConfig;
import dev.delta.node.edge.Follower;
import dev.delta.node.edge.WarmUp;
import dev.delta.node.origin.IdlePacker;
import dev.delta.node.release.ReleaseService;
import dev.delta.protocol.auth.TlsFiles;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running node: a Delta server over this node's releases (origins serve edges; edges serve the
 * edges below them) and, on an edge, one {@link Follower} per dataset.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final ReleaseService service;
    private final DeltaServer server;
    private final List<Follower> followers = new ArrayList<>();
    /** An origin's packing of groups of small files while idle; null on an edge. */
    private IdlePacker packer;
    private Thread warmUp;
    private volatile boolean closed;
    /** How long an origin waits with no request before it packs groups (see {@link IdlePacker}). */
    static final long PACK_WHEN_QUIET_MS = 1000;

    private Node(NodeConfig config, ReleaseService service, DeltaServer server) {
        this.config = config;
        this.service = service;
        this.server = server;
    }

    /** Starts serving (and following, on an edge). */
    public static Node start(NodeConfig config) throws IOException {
        try {
            Files.createDirectories(config.dataDir());
        } catch (java.nio.file.FileAlreadyExistsException e) { // a file where the data directory must be
            throw new dev.delta.engine.store.StoreException("data_dir " + config.dataDir()
                    + " is not a directory (" + e.getFile() + " is in the way)", e);
        }
        ReleaseService service = new ReleaseService(config.dataDir(), config.keyId(), config.secret(), config.datasets());
        ServerConfig sc = ServerConfig.of(config.listenHost(), config.listenPort());
        ConnectionCap cap = connectionCap(config.maxConnections(), sc.maxConcurrentRequests(), openFileLimit());
        cap.note().ifPresent(cap.warn() ? LOG::warn : LOG::info);
        sc = sc.withConnectionLimits(cap.connections(), Math.min(cap.connections(), sc.maxConnectionsPerHost()));
        if (config.tls() != null) {
            sc = sc.withTls(new TlsFiles(config.tls().cert(), config.tls().key(), config.tls().ca()));
        }
        DeltaServer server;
        try {
            server = DeltaServer.start(sc, service);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw new IOException("cannot listen on " + config.listenHost() + ":" + config.listenPort() + ": "
                    + e.getMessage(), e);
        }
        Node n = new Node(config, service, server);
        LOG.info("{} node serving {} on {}:{}", config.role().name().toLowerCase(), config.dataDir(),
                config.listenHost(), server.port());
        if (config.role() == NodeConfig.Role.EDGE) {
            for (String d : config.datasets()) {
                n.followers.add(new Follower(config, d).start());
            }
        } else {
            warnNothingToServe(config);
            n.packer = new IdlePacker(config.dataDir(), config.datasets(), service, PACK_WHEN_QUIET_MS).start();
            n.startWarmUp();
        }
        return n;
    }

    /** How long an origin must have been quiet (no request, no announcement) before it warms up. */
    static final long WARM_UP_WHEN_QUIET_MS = 2000;
    /** How much longer an origin waits before it looks again at datasets too small to warm up for. */
    private static final long LOOK_AGAIN_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * An origin's {@link WarmUp}: on a thread of its own, once the node has been quiet for
     * {@link #WARM_UP_WHEN_QUIET_MS} and a dataset it serves is big enough to be worth it, or while
     * it has published nothing yet (its first release goes whole to every edge); a request or an
     * announcement cuts it short, and it is tried again when quiet. (An edge warms up on its
     * follower's thread.)
     */
    private void startWarmUp() {
        if (WarmUp.settled()) {
            return;
        }
        long quiet = TimeUnit.MILLISECONDS.toNanos(WARM_UP_WHEN_QUIET_MS);
        warmUp = new Thread(() -> {
            long lastLook = System.nanoTime() - quiet;
            while (!closed && !WarmUp.settled()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                if (service.quietNanos() < quiet || System.nanoTime() - lastLook < quiet) {
                    continue;
                }
                if (WarmUp.nothingPublished(config.dataDir(), config.datasets())
                        || WarmUp.worthIt(config.dataDir(), config.datasets())) {
                    WarmUp.once(config.dataDir(), () -> closed || service.quietNanos() < quiet);
                    lastLook = System.nanoTime();
                } else {
                    lastLook = System.nanoTime() + LOOK_AGAIN_NANOS; // nothing big enough yet
                }
            }
        }, "warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /** Open files the process may hold beside its connections: the JVM's jars, stores, logs, an edge's fetches. */
    static final int RESERVED_FILES = 512;

    /**
     * The connections a node serves at once, and what to log about it.
     *
     * @param connections the cap
     * @param note        a line for the log, if the limit or the config deserves one
     * @param warn        whether that line is a warning (the config asks for more than the limit holds)
     */
    record ConnectionCap(int connections, java.util.Optional<String> note, boolean warn) {
    }

    /**
     * Each connection may hold a socket and, per request it has open, a file, so the open-file
     * limit decides how many connections a node can serve without running out of descriptors
     * (then it could accept no one, and even a local publish's reads would fail). Without
     * {@code max_connections} the cap is what the limit holds, up to
     * {@link ServerConfig#DEFAULT_MAX_CONNECTIONS}; one set in the config is kept, with a warning
     * when the limit cannot hold it.
     *
     * @param configured            {@code max_connections}, or 0 for none
     * @param requestsPerConnection requests served at once on one connection
     * @param openFileLimit         the process's open-file limit, or a negative number when unknown
     */
    static ConnectionCap connectionCap(int configured, int requestsPerConnection, long openFileLimit) {
        long perConnection = requestsPerConnection + 2L; // its socket, a file per request, one spare
        if (openFileLimit < 0) {
            return new ConnectionCap(configured > 0 ? configured : ServerConfig.DEFAULT_MAX_CONNECTIONS,
                    java.util.Optional.empty(), false);
        }
        long fits = Math.max(0, (openFileLimit - RESERVED_FILES) / perConnection);
        if (configured > 0) {
            if (configured <= fits) {
                return new ConnectionCap(configured, java.util.Optional.empty(), false);
            }
            return new ConnectionCap(configured, java.util.Optional.of("max_connections " + configured
                    + ": each connection may hold up to " + perConnection + " open files, but this process may open "
                    + grouped(openFileLimit) + " files in all (ulimit -n), enough for " + fits
                    + " connections; raise the limit to " + grouped(configured * perConnection + RESERVED_FILES)
                    + " (systemd: LimitNOFILE=) or lower max_connections"), true);
        }
        int dflt = ServerConfig.DEFAULT_MAX_CONNECTIONS;
        if (fits >= dflt) {
            return new ConnectionCap(dflt, java.util.Optional.empty(), false);
        }
        int cap = (int) Math.max(1, fits);
        return new ConnectionCap(cap, java.util.Optional.of("serving at most " + cap + " connection"
                + (cap == 1 ? "" : "s") + " at once: the open-file limit (ulimit -n) is "
                + grouped(openFileLimit) + " and each connection may hold up to " + perConnection
                + " files; raise it to " + grouped(dflt * perConnection + RESERVED_FILES) + " (systemd: "
                + "LimitNOFILE=) for " + grouped(dflt) + ", or set max_connections"), fits < 1);
    }

    private static String grouped(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    /** The process's open-file limit (the JVM raises the soft limit to the hard one), or -1 when unknown. */
    static long openFileLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /**
     * An origin with nothing published (a mistyped data_dir or dataset, say) serves edges nothing
     * but "no version yet": one line says so at the start, naming the command that publishes.
     */
    private static void warnNothingToServe(NodeConfig config) {
        nothingToServe(config).ifPresent(LOG::warn);
    }

    /** The warning {@link #warnNothingToServe} logs for an origin, if any; visible for tests. */
    static java.util.Optional<String> nothingToServe(NodeConfig config) {
        java.util.List<String> named = config.datasets();
        java.util.List<String> empty = new java.util.ArrayList<>();
        for (String d : named) {
            if (!Files.exists(config.dataDir().resolve(d).resolve("current"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                empty.add(d);
            }
        }
        String publish = "edges get 'no version yet' until 'delta publish --data " + config.dataDir()
                + " --dataset NAME SOURCE_DIR'";
        if (!empty.isEmpty()) {
            return java.util.Optional.of("no release of " + String.join(", ", empty) + " in " + config.dataDir()
                    + " yet: " + publish);
        }
        if (named.isEmpty()) {
            try (java.util.stream.Stream<java.nio.file.Path> l = Files.list(config.dataDir())) {
                if (l.noneMatch(d -> Files.exists(d.resolve("current"), java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                    return java.util.Optional.of("no dataset in " + config.dataDir() + " has a release yet: " + publish);
                }
            } catch (IOException e) {
                return java.util.Optional.empty(); // cannot tell: no warning rather than a wrong one
            }
        }
        return java.util.Optional.empty();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.port();
    }

    public NodeConfig config() {
        return config;
    }

    /** Stops following and serving; a sync in progress resumes from staging at the next start. */
    @Override
    public void close() {
        closed = true;
        if (warmUp != null) {
            try {
                warmUp.join(TimeUnit.SECONDS.toMillis(10)); // it stops between its steps
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (packer != null) {
            packer.close();
        }
        for (Follower f : followers) {
            try {
                f.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server.close();
        service.close();
        LOG.info("node stopped");
    }
}
