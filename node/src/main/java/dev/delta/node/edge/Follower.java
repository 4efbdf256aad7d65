package dev.delta.node.edge;

import dev.delta.engine.store.DatasetStore;
import dev.delta.node.config.NodeConfig;
import dev.delta.protocol.auth.TlsFiles;
import dev.delta.protocol.client.Announcement;
import dev.delta.protocol.client.AnnouncementListener;
import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.DeltaException;
import dev.delta.protocol.client.ErrorKind;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.client.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one dataset of an edge at its upstream's version: connects, subscribes, syncs at once
 * and after every ANNOUNCE (announcements that arrive during a sync collapse into one more sync),
 * and reconnects with exponential backoff (0.5 s doubling to 15 s) when the upstream goes away.
 * Runs on its own thread until {@link #close()}.
 */
public final class Follower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);
    private static final long MIN_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 15_000;

    private final NodeConfig config;
    private final String dataset;
    private final Thread thread;
    private final BlockingQueue<Long> wake = new ArrayBlockingQueue<>(1);
    private volatile boolean closed;
    private volatile SyncResult last;

    public Follower(NodeConfig config, String dataset) {
        this.config = config;
        this.dataset = dataset;
        this.thread = new Thread(this::loop, "follow-" + dataset);
    }

    public Follower start() {
        thread.start();
        return this;
    }

    /** The last completed sync, or null. */
    public SyncResult lastSync() {
        return last;
    }

    private void loop() {
        long backoff = MIN_BACKOFF_MS;
        while (!closed) {
            try (DeltaClient client = DeltaClient.connect(clientConfig(config))) {
                LOG.info("{}: connected to upstream {}", dataset, config.upstream());
                Syncer syncer = new Syncer(client, config.dataDir()).retention(config.retention())
                        .follow(config.follow())
                        .connections(config.fetchConnections(), () -> DeltaClient.connect(clientConfig(config)));
                if (config.trustedKey() != null) {
                    syncer.trust(config.trustedKey());
                }
                try (Subscription sub = client.subscribe(dataset, new AnnouncementListener() {
                    @Override
                    public void onAnnounce(Announcement a) {
                        wake.offer(a.version()); // a full queue already means "sync again"
                    }

                    @Override
                    public void onClosed(DeltaException reason) {
                        wake.offer(-1L);
                    }
                })) {
                    wake.offer(0L);
                    boolean toldWaiting = false;
                    while (!closed && client.isOpen()) {
                        Long v = wake.poll(1, TimeUnit.SECONDS);
                        if (v == null || closed) {
                            continue;
                        }
                        if (v < 0) {
                            break;
                        }
                        try {
                            last = syncer.sync(dataset, 0);
                        } catch (DeltaException e) {
                            if (!nothingPublishedYet(e)) {
                                throw e;
                            }
                            // The subscription stays: the upstream announces the first version
                            // when it comes, and this edge syncs it at once.
                            if (!toldWaiting) {
                                LOG.info("{}: upstream {} has no version of {} yet; waiting for its first "
                                        + "(check the dataset's name if none is coming)", dataset, config.upstream(),
                                        dataset);
                                toldWaiting = true;
                            }
                            if (wake.isEmpty() && !WarmUp.settled() && !holdsRelease()) {
                                // The first version will be a cold copy of the whole dataset, the
                                // biggest sync this edge makes: its per-file code compiled by then,
                                // not interpreted while the JIT catches up. The announcement cuts
                                // the warm-up short between its steps.
                                WarmUp.once(config.dataDir(), () -> closed || !wake.isEmpty());
                            }
                            continue;
                        }
                        // Only a sync that worked resets the wait: one that fails on a connection that
                        // works (a dataset the upstream lacks, a signature that does not verify) would
                        // otherwise be tried again every half second for as long as it fails.
                        backoff = MIN_BACKOFF_MS;
                        if (wake.isEmpty()) { // idle: make the next sync cost what changes, not the tree
                            syncer.prepareMirror(dataset, () -> closed || !wake.isEmpty());
                            syncer.prepareIndex(dataset, () -> closed || !wake.isEmpty());
                            syncer.rehearse(dataset, () -> closed || !wake.isEmpty());
                            if (!WarmUp.settled() && WarmUp.worthIt(config.dataDir(), List.of(dataset))) {
                                WarmUp.once(config.dataDir(), () -> closed || !wake.isEmpty());
                            }
                            syncer.prepareSpare(dataset, () -> closed || !wake.isEmpty());
                        }
                    }
                }
            } catch (DeltaException e) {
                if (e.kind() == ErrorKind.AUTH_FAILED) {
                    LOG.error("{}: upstream {} rejected our credentials: {}", dataset, config.upstream(), e.getMessage());
                } else {
                    LOG.warn("{}: upstream {}: {} ({})", dataset, config.upstream(), e.getMessage(), e.kind());
                }
            } catch (IOException e) {
                LOG.warn("{}: sync failed: {}", dataset, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected failure", dataset, e);
            }
            if (closed) {
                return;
            }
            // Waits on the queue, not in a sleep: close() offers a value and ends the wait at once. A
            // value left by the connection just closed does not cut it short.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            try {
                for (long left = TimeUnit.MILLISECONDS.toNanos(backoff); !closed && left > 0;
                     left = deadline - System.nanoTime()) {
                    wake.poll(left, TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            wake.clear(); // the next connection starts with its own first sync
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /**
     * Whether a sync of the current version failed only because the upstream has published none of
     * the dataset yet (no dataset of that name, or one with no version): an upstream that accepted
     * the subscription announces the first version when it comes.
     */
    static boolean nothingPublishedYet(DeltaException e) {
        return e.remoteError() == ErrorCode.UNKNOWN_DATASET
                || (e.kind() == ErrorKind.VERSION_MISMATCH && String.valueOf(e.getMessage()).contains("no version yet"));
    }

    /** Whether this edge holds a release of the dataset (false when it cannot tell). */
    private boolean holdsRelease() {
        try {
            return DatasetStore.exists(config.dataDir(), dataset)
                    && DatasetStore.open(config.dataDir(), dataset).current().isPresent();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The client settings for a node's upstream. */
    public static ClientConfig clientConfig(NodeConfig config) {
        ClientConfig c = ClientConfig.of(config.upstream().host(), config.upstream().port(), config.keyId(),
                config.secret()).withMaxInFlight(Syncer.MAX_IN_FLIGHT);
        if (config.tls() != null) {
            c = c.withTls(new TlsFiles(config.tls().cert(), config.tls().key(), config.tls().ca()));
        }
        return c;
    }

    /** Stops following; a sync in progress stops at its next I/O and resumes from staging next time. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        wake.offer(-1L);
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }
}
