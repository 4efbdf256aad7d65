package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.plan.Segment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProgressiveDigestTest {
    @TempDir
    Path tmp;

    private Entry entry(byte[] content, byte[] sha) {
        return Entry.file("f", 0644, 0, content.length, sha, ChunkList.builder().add(content.length, 1, 2).build());
    }

    @Test
    void copiesCompletedLater_areHashedByTheExecutor_notByTheCaller() throws Exception {
        byte[] content = new byte[3_000_000];
        new Random(5).nextBytes(content);
        Path f = Files.write(tmp.resolve("f"), content);
        Entry e = entry(content, Sha256.of(content));
        FetchRange range = new FetchRange("f", 1_000_000, 1_000_000, 0, 1);
        List<Segment> copies = List.of(new Segment(Segment.Kind.LOCAL, 0, 1_000_000, "f", 1, 0),
                new Segment(Segment.Kind.LOCAL, 2_000_000, 1_000_000, "f", 1, 2_000_000));
        ProgressiveDigest d = new ProgressiveDigest(f, e, List.of(range), copies, new LongAdder());
        Queue<Runnable> later = new ArrayDeque<>();
        d.completeLater(0, 1_000_000, later::add);
        assertEquals(0, d.hashedBytes(), "the caller (a copy) does not hash");
        assertEquals(1, later.size());
        later.poll().run();
        assertEquals(1_000_000, d.hashedBytes());
        d.completeLater(2_000_000, 3_000_000, later::add);
        assertEquals(0, later.size(), "not contiguous yet: nothing to hand over");
        d.complete(1_000_000, 2_000_000, null); // the range lands: hashed in order through the copy after it
        assertEquals(3_000_000, d.hashedBytes());
        d.verify();
    }

    @Test
    void aStretchRecordedWhileAnotherThreadHashes_isTakenInByThatThread() throws Exception {
        byte[] content = new byte[2_000_000];
        new Random(6).nextBytes(content);
        Path f = Files.write(tmp.resolve("f"), content);
        byte[] wrong = Sha256.of(new byte[]{1});
        ProgressiveDigest d = new ProgressiveDigest(f, entry(content, wrong),
                List.of(new FetchRange("f", 0, 1_000_000, 0, 1), new FetchRange("f", 1_000_000, 1_000_000, 0, 1)),
                new LongAdder());
        Queue<Runnable> later = new ArrayDeque<>();
        d.completeLater(0, 1_000_000, later::add); // token handed to the queued task
        d.complete(1_000_000, 2_000_000, null); // recorded only: the token is taken
        assertEquals(0, d.hashedBytes());
        later.poll().run();
        assertEquals(2_000_000, d.hashedBytes(), "the hashing thread took in what was recorded meanwhile");
        StoreException x = assertThrows(StoreException.class, d::verify);
        assertEquals(true, x.getMessage().contains("SHA-256"), x.getMessage());
    }
}
