package dev.delta.node.cli;

import dev.delta.engine.store.DatasetStore;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a command that failed (or a dry run) leaves of a dataset it found missing: the directories
 * a store opens with, its lock file, a scan cache. A typo in {@code --dataset} or a refused sync
 * must not leave {@code DATA/typo/.delta/...} behind. Anything else (a release, a link, a file
 * fetched into staging, which a later sync resumes from) keeps the whole directory.
 */
final class Skeleton {
    private final Path dataDir;
    private final Path root;
    private final boolean dataDirExisted;
    private final boolean rootExisted;

    private Skeleton(Path dataDir, Path root) {
        this.dataDir = dataDir;
        this.root = root;
        this.dataDirExisted = Files.exists(dataDir, LinkOption.NOFOLLOW_LINKS);
        this.rootExisted = Files.exists(root, LinkOption.NOFOLLOW_LINKS);
    }

    /** Notes, before a command touches anything, whether {@code dataDir} and its dataset exist. */
    static Skeleton before(Path dataDir, String dataset) {
        return new Skeleton(dataDir, dataDir.resolve(dataset));
    }

    /**
     * Removes the dataset's directory if this command made it and it holds nothing but a
     * skeleton, then the data directory if this command made it and it is empty. Quiet: it runs
     * after a failure, whose message is the one that matters.
     */
    void removeIfLeftEmpty() {
        try {
            if (!rootExisted && onlySkeleton(root)) {
                DatasetStore.deleteTree(root);
            }
            if (!dataDirExisted && Files.isDirectory(dataDir, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(dataDir);
            }
        } catch (DirectoryNotEmptyException e) {
            // holds something else: kept
        } catch (IOException | RuntimeException e) {
            // left as it is; nothing in it is a release
        }
    }

    private static boolean onlySkeleton(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path meta = root.resolve(".delta");
        try (Stream<Path> all = Files.walk(root)) {
            return all.allMatch(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    || (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                    && (p.equals(meta.resolve("lock")) || p.startsWith(meta.resolve("filestate")))));
        }
    }
}
