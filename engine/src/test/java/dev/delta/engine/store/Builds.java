package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.ScanResult;
import dev.delta.engine.scan.Scanner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the store's tests do again and again: scan a tree as dataset "site", and build a release from it. */
final class Builds {
    private Builds() {
    }

    /** The manifest of {@code dir} as version {@code version} of "site" (parent: the one before). */
    static Manifest scan(Path dir, long version, ChunkerParams chunker) throws IOException {
        ScanResult r = new Scanner(ScanOptions.builder("site").version(version).parentVersion(version - 1)
                .chunker(chunker).useIgnoreFile(false).build()).scan(dir);
        assertTrue(r.isComplete(), r.problems().toString());
        return r.manifest();
    }

    /** Asserts that the tree at {@code dir} (a release, say) is exactly what {@code m} describes. */
    static void assertTreeMatches(Manifest m, Path dir, ChunkerParams chunker) throws IOException {
        dev.delta.engine.plan.ManifestDiff d = dev.delta.engine.plan.ManifestDiff.between(m,
                scan(dir.toRealPath(), m.version(), chunker));
        org.junit.jupiter.api.Assertions.assertFalse(d.hasDifferences(), "differences: " + d.changes());
    }

    /** Reads a pending range from the source tree, as an upstream would send it. */
    static ByteBuffer read(Path source, FetchRange r) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) r.length());
        try (FileChannel ch = FileChannel.open(source.resolve(r.path()))) {
            while (buf.hasRemaining()) {
                ch.read(buf, r.offset() + buf.position());
            }
        }
        return buf.flip();
    }

    /** Builds {@code m} into the store and switches to it, fetching ranges from {@code source}; returns bytes fetched. */
    static long build(DatasetStore store, Manifest m, Path source) throws IOException {
        try (DatasetStore.Lock l = store.lock()) {
            ReleaseBuilder b = ReleaseBuilder.start(store, m, new ManifestCodec().encode(m));
            b.prepareLocal();
            long fetched = 0;
            for (FetchRange r : b.pending()) {
                b.accept(r, read(source, r));
                fetched += r.length();
            }
            b.commit(true);
            return fetched;
        }
    }
}
