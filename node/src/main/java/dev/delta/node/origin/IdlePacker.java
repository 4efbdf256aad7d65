package dev.delta.node.origin;

import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.release.PackedBlocks;
import dev.delta.node.release.ReleaseService;
import dev.delta.node.release.ServingLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An origin node's background packing (LZ4 HC, {@link PackedBlocks}) of what only cold edges need
 * of each dataset's current release, done while no peer asks for anything: the full manifest's
 * envelope, the packed copies of files that were at their path in the previous release, and the
 * groups of small files ({@code FileGroups}) that hold such a file.
 *
 * <p>Why: following edges get those files as patches against their old copy, so their packed
 * copies and groups serve only cold edges; but compressing them is seconds of LZ4 HC (a 2% release
 * of a source tree changes about half of its groups by bytes; an updated 482 MiB tar is 19 s), and
 * doing it the moment {@code current} moves took CPU from the edges being served just then. So a
 * publish that finds the dataset served ({@link ServingLock}) packs before its switch only the
 * files and groups of paths that are new, and leaves the rest to the node, which packs it on one
 * thread once it has been {@code quiet} for a while (no request started, no file being served),
 * and pauses between 64 KiB blocks whenever a request comes in. Until then those are served
 * compressed on the fly (LZ4), never wrong, only bigger.
 *
 * <p>The node holds each served dataset's {@link ServingLock} from the first time it looks at it.
 */
public final class IdlePacker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdlePacker.class);
    private static final long LOOK_EVERY_MS = 500;
    private static final long RETRY_AFTER_FAILURE_MS = 60_000;

    private final Path dataDir;
    private final List<String> datasets;
    private final ReleaseService service;
    private final long quietNanos;
    private final Map<String, ServingLock> locks = new HashMap<>();
    /** Dataset, version and root digest of each release whose files and groups are all packed. */
    private final Set<String> done = new HashSet<>();
    private final Map<String, Long> failedAt = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param datasets the datasets served (empty: every dataset under {@code dataDir})
     * @param quietMillis how long the node must have been quiet before a block is compressed
     */
    public IdlePacker(Path dataDir, List<String> datasets, ReleaseService service, long quietMillis) {
        this.dataDir = dataDir;
        this.datasets = List.copyOf(datasets);
        this.service = service;
        this.quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMillis);
        this.thread = new Thread(this::run, "idle-packer");
        thread.setDaemon(true);
    }

    public IdlePacker start() {
        lookNow(); // the locks are held before start() returns: a publish from now on sees them
        thread.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(LOOK_EVERY_MS);
            } catch (InterruptedException e) {
                return;
            }
            for (String d : served()) {
                if (closed) {
                    return;
                }
                if (hold(d)) {
                    packCurrent(d);
                }
            }
        }
    }

    /** Takes the serving locks of the datasets there are now; nothing is packed here. */
    private void lookNow() {
        for (String d : served()) {
            hold(d);
        }
    }

    private List<String> served() {
        if (!datasets.isEmpty()) {
            return datasets;
        }
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dataDir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p.resolve("releases"))) {
                    out.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", dataDir, e.toString());
        }
        return out;
    }

    /** Holds the dataset's serving lock; false when another node holds it (that node packs). */
    private synchronized boolean hold(String dataset) {
        if (locks.containsKey(dataset)) {
            return true;
        }
        if (closed) {
            return false;
        }
        try {
            ServingLock l = ServingLock.tryAcquire(dataDir.resolve(dataset));
            if (l == null) {
                return false;
            }
            locks.put(dataset, l);
            return true;
        } catch (IOException e) {
            LOG.debug("{}: cannot take the serving lock: {}", dataset, e.toString());
            return false;
        }
    }

    private void packCurrent(String dataset) {
        String key = null;
        try {
            DatasetStore s = DatasetStore.open(dataDir, dataset);
            OptionalLong cur = s.current();
            if (cur.isEmpty()) {
                return;
            }
            long v = cur.getAsLong();
            key = dataset + "/" + v + "/" + Sha256.hex(s.rootDigest(v));
            Long failed = failedAt.get(key);
            if (done.contains(key) || (failed != null
                    && System.nanoTime() - failed < TimeUnit.MILLISECONDS.toNanos(RETRY_AFTER_FAILURE_MS))) {
                return;
            }
            awaitQuiet();
            long t0 = System.nanoTime();
            if (service.storeEnvelope(dataset, v)) {
                LOG.info("{}: stored the manifest envelope of v{} while idle, in {} ms", dataset, v,
                        (System.nanoTime() - t0) / 1_000_000);
                awaitQuiet();
                t0 = System.nanoTime();
            }
            // indexed by path and totalled now: the next version's rebuild from this one looks
            // paths up in it and starts from its totals, on the cores the edges then update with
            Manifest m = service.decoded(dataset, v).indexPaths();
            PackedBlocks.Pacer pacer = () -> {
                awaitQuiet();
                if (s.current().orElse(v) != v) {
                    throw new InterruptedIOException("a new version is current"); // packed next time round
                }
            };
            PackedBlocks packs = new PackedBlocks(s.root());
            long files = packs.packRelease(m, s.releaseDir(v), 1, e -> true, pacer);
            long groups = packs.packGroups(m, s.releaseDir(v), 1, g -> true, pacer);
            if (files + groups > 0) {
                LOG.info("{}: packed {} bytes of files and {} bytes of small files in groups of v{} (LZ4 HC) while "
                        + "idle, in {} ms", dataset, files, groups, v, (System.nanoTime() - t0) / 1_000_000);
            }
            done.add(key);
            failedAt.remove(key);
        } catch (InterruptedIOException stopping) {
            // closed, or a new version: looked at again next time
        } catch (IOException | RuntimeException e) {
            if (closed) {
                return;
            }
            LOG.warn("{}: could not pack the current release while idle (served compressed on the fly; "
                    + "tried again later): {}", dataset, e.toString());
            if (key != null) {
                failedAt.put(key, System.nanoTime());
            }
        }
    }

    /** Returns once the node has been quiet for the quiet time; throws when the packer is closing. */
    private void awaitQuiet() throws InterruptedIOException {
        while (true) {
            if (closed) {
                throw new InterruptedIOException("node stopping");
            }
            long left = quietNanos - service.quietNanos();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            } catch (InterruptedException e) {
                throw new InterruptedIOException("node stopping");
            }
        }
    }

    /** Stops packing (a block being compressed is finished first) and lets go of the locks. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (ServingLock l : locks.values()) {
                try {
                    l.close();
                } catch (IOException e) {
                    LOG.debug("releasing a serving lock: {}", e.toString());
                }
            }
            locks.clear();
        }
    }
}
