package dev.delta.engine.scan;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * How to scan a tree and what to stamp on the manifest it produces. Build one with
 * {@link #builder(String)}; immutable.
 */
public final class ScanOptions {
    /** Most worker threads accepted. */
    public static final int MAX_THREADS = 256;

    private final String dataset;
    private final long version;
    private final long parentVersion;
    private final long createdMillis;
    private final ChunkerParams chunker;
    private final int threads;
    private final List<String> excludes;
    private final boolean useIgnoreFile;
    private final Predicate<String> kept;
    private final FileStateCache cache;
    private final Path openingCacheDir;
    private final CompletableFuture<FileStateCache> openingCache;
    private final ScanProgress progress;

    private ScanOptions(Builder b) {
        this.dataset = Manifest.validateDataset(b.dataset);
        Manifest.validateVersions(b.version, b.parentVersion);
        if (b.threads < 1 || b.threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be 1 to " + MAX_THREADS + ", got " + b.threads);
        }
        this.version = b.version;
        this.parentVersion = b.parentVersion;
        this.createdMillis = b.createdMillis;
        this.chunker = b.chunker;
        this.threads = b.threads;
        this.excludes = List.copyOf(b.excludes);
        this.useIgnoreFile = b.useIgnoreFile;
        this.kept = b.kept;
        this.cache = b.cache;
        this.openingCacheDir = b.openingCacheDir;
        this.openingCache = b.openingCache;
        this.progress = b.progress;
    }

    /** Options for a scan of {@code dataset}, version 1, default chunking, one thread per core. */
    public static Builder builder(String dataset) {
        return new Builder(dataset);
    }

    public String dataset() {
        return dataset;
    }

    public long version() {
        return version;
    }

    public long parentVersion() {
        return parentVersion;
    }

    public long createdMillis() {
        return createdMillis;
    }

    public ChunkerParams chunker() {
        return chunker;
    }

    public int threads() {
        return threads;
    }

    /** Extra ignore patterns, applied after the ignore file's. */
    public List<String> excludes() {
        return excludes;
    }

    /** Whether the root's {@value IgnoreRules#FILE_NAME} is read. */
    public boolean useIgnoreFile() {
        return useIgnoreFile;
    }

    /** The file-state cache, or null to read every file (or when it is still {@linkplain #openingCache() opening}). */
    /** Paths the ignore rules never leave out; null when the rules alone decide. */
    public Predicate<String> kept() {
        return kept;
    }

    public FileStateCache cache() {
        return cache;
    }

    /** A file-state cache being opened in the background, or null. */
    public CompletableFuture<FileStateCache> openingCache() {
        return openingCache;
    }

    /** The directory of the {@linkplain #openingCache() cache being opened}, or null. */
    public Path openingCacheDir() {
        return openingCacheDir;
    }

    public ScanProgress progress() {
        return progress;
    }

    /** Collects scan options; every setter checks its argument. */
    public static final class Builder {
        private final String dataset;
        private long version = 1;
        private long parentVersion;
        private long createdMillis = System.currentTimeMillis();
        private ChunkerParams chunker = ChunkerParams.DEFAULT;
        private int threads = Runtime.getRuntime().availableProcessors();
        private List<String> excludes = List.of();
        private boolean useIgnoreFile = true;
        private Predicate<String> kept;
        private FileStateCache cache;
        private Path openingCacheDir;
        private CompletableFuture<FileStateCache> openingCache;
        private ScanProgress progress = ScanProgress.NONE;

        private Builder(String dataset) {
            this.dataset = dataset;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        /** The version this one derives from; 0 (the default) for none. */
        public Builder parentVersion(long parentVersion) {
            this.parentVersion = parentVersion;
            return this;
        }

        /** Creation time to record, milliseconds since the epoch (default: now). */
        public Builder createdMillis(long createdMillis) {
            this.createdMillis = createdMillis;
            return this;
        }

        public Builder chunker(ChunkerParams chunker) {
            this.chunker = Objects.requireNonNull(chunker, "chunker");
            return this;
        }

        /** Worker threads for chunking (default: available processors). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Extra ignore patterns (gitignore syntax), applied after the ignore file's. */
        public Builder excludes(List<String> patterns) {
            for (String p : patterns) {
                Objects.requireNonNull(p, "exclude pattern");
            }
            this.excludes = List.copyOf(patterns);
            return this;
        }

        /** Whether to read the root's {@value IgnoreRules#FILE_NAME} (default: yes). */
        public Builder useIgnoreFile(boolean use) {
            this.useIgnoreFile = use;
            return this;
        }

        /**
         * Paths ('/'-separated, relative to the root) that no ignore rule leaves out, such as every
         * path of a manifest a tree is checked against. Inside a directory kept this way against
         * the rules, the rules still leave out whatever the predicate does not keep. Default: none.
         */
        public Builder kept(Predicate<String> paths) {
            this.kept = Objects.requireNonNull(paths, "kept");
            return this;
        }

        /**
         * A file-state cache to reuse unchanged files' chunks from; null (the default) for none.
         * The caller opens and closes it; the scan updates it and drops paths no longer present.
         */
        public Builder cache(FileStateCache cache) {
            this.openingCache = null;
            this.openingCacheDir = null;
            this.cache = cache;
            return this;
        }

        /**
         * A file-state cache in {@code dir} that is still being opened ({@link
         * FileStateCache#openInBackground}): the scan walks the tree meanwhile and waits for it only
         * before the first lookup.
         */
        public Builder cache(Path dir, CompletableFuture<FileStateCache> opening) {
            this.cache = null;
            this.openingCacheDir = dir;
            this.openingCache = opening;
            return this;
        }

        public Builder progress(ScanProgress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        public ScanOptions build() {
            return new ScanOptions(this);
        }
    }
}
