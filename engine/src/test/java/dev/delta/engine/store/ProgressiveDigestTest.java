package dev.delta.engine.store;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.plan.Segment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private static java.nio.ByteBuffer slice(byte[] content, int from, int to) {
        return java.nio.ByteBuffer.wrap(content, from, to - from).slice();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Segment copy(long from, long length) {
        return new Segment(Segment.Kind.LOCAL, from, length, "f", 1, from);
    }

    /** A digest of {@code content}, whose file holds {@code onDisk}. */
    private ProgressiveDigest digest(byte[] content, byte[] onDisk, List<FetchRange> ranges, List<Segment> copies,
                                     LongAdder reread) throws java.io.IOException {
        Path f = Files.write(tmp.resolve("f"), onDisk);
        return new ProgressiveDigest(f, entry(content, Sha256.of(content)), ranges, copies, reread);
    }

    /** A writer's bytes in a direct buffer (an edge's range buffers), a read-only one or an array's middle: each hashed from memory. */
    @Test
    void rangesInDirectReadOnlyAndOffsetBuffers_areHashedFromMemory() throws Exception {
        byte[] content = random(2_500_000, 11);
        byte[] zeros = new byte[content.length]; // wrong on disk: passes only if hashed from memory
        LongAdder reread = new LongAdder();
        List<FetchRange> ranges = List.of(new FetchRange("f", 0, 1_000_000, 0, 1),
                new FetchRange("f", 1_000_000, 1_000_000, 1, 1), new FetchRange("f", 2_000_000, 500_000, 2, 1));
        ProgressiveDigest d = digest(content, zeros, ranges, List.of(), reread);
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(1_000_100);
        direct.position(100);
        direct.put(content, 0, 1_000_000).position(100); // 1,000,000 bytes from position 100
        d.complete(0, 1_000_000, direct);
        assertEquals(100, direct.position(), "the caller's buffer is left as it was");
        d.complete(1_000_000, 2_000_000, slice(content, 1_000_000, 2_000_000).asReadOnlyBuffer());
        d.complete(2_000_000, 2_500_000, java.nio.ByteBuffer.wrap(content, 2_000_000, 500_000)); // array offset 0, position 2,000,000
        assertEquals(2_500_000, d.hashedBytes());
        assertEquals(0, reread.sum());
        d.verify();

        ProgressiveDigest wrong = digest(content, zeros, List.of(new FetchRange("f", 0, 2_500_000, 0, 1)), List.of(),
                new LongAdder());
        java.nio.ByteBuffer bad = java.nio.ByteBuffer.allocateDirect(2_500_000).put(content);
        bad.put(1_234_567, (byte) (content[1_234_567] ^ 1)).flip();
        wrong.complete(0, 2_500_000, bad);
        assertThrows(java.io.IOException.class, wrong::verify, "one byte off in a direct buffer fails the file");
    }

    @Test
    void fedPieces_areHashedFromMemory_andOnlyAPieceAfterAGapIsReadBack() throws Exception {
        byte[] content = random(3_000_000, 5);
        byte[] onDisk = content.clone();
        java.util.Arrays.fill(onDisk, 0, 1_000_000, (byte) 0); // wrong on disk: passes only if hashed from memory
        LongAdder reread = new LongAdder();
        ProgressiveDigest d = digest(content, onDisk, List.of(new FetchRange("f", 1_000_000, 1_000_000, 0, 1)),
                List.of(copy(0, 1_000_000), copy(2_000_000, 1_000_000)), reread);
        d.feed(0, 1_000_000, slice(content, 0, 1_000_000));
        assertEquals(1_000_000, d.hashedBytes());
        d.feed(2_000_000, 3_000_000, slice(content, 2_000_000, 3_000_000));
        assertEquals(1_000_000, d.hashedBytes(), "after a gap: recorded, not hashed");
        d.complete(1_000_000, 2_000_000, slice(content, 1_000_000, 2_000_000)); // a writer's range, exactly next
        assertEquals(2_000_000, d.hashedBytes(), "the writer hashes its own range and leaves the rest to the feeder");
        assertEquals(0, reread.sum());
        d.fedAll();
        assertEquals(3_000_000, d.hashedBytes());
        assertEquals(1_000_000, reread.sum(), "only the piece that came after the gap was read back");
        d.verify();
    }

    @Test
    void whileFed_aRangeOutOfOrderIsOnlyRecorded_andTheFeederReadsItBack() throws Exception {
        byte[] content = random(2_000_000, 6);
        LongAdder reread = new LongAdder();
        ProgressiveDigest d = digest(content, content,
                List.of(new FetchRange("f", 1_000_000, 250_000, 0, 1), new FetchRange("f", 1_250_000, 250_000, 0, 1)),
                List.of(copy(0, 1_000_000), copy(1_500_000, 500_000)), reread);
        d.feed(0, 1_000_000, slice(content, 0, 1_000_000));
        d.complete(1_250_000, 1_500_000, slice(content, 1_250_000, 1_500_000)); // not next: recorded
        d.feed(1_500_000, 2_000_000, slice(content, 1_500_000, 2_000_000)); // not next either
        assertEquals(1_000_000, d.hashedBytes());
        d.complete(1_000_000, 1_250_000, slice(content, 1_000_000, 1_250_000));
        assertEquals(1_250_000, d.hashedBytes(), "the writer does not read back what follows its range");
        assertEquals(0, reread.sum());
        d.fedAll();
        assertEquals(2_000_000, d.hashedBytes());
        assertEquals(750_000, reread.sum());
        d.verify();
    }

    @Test
    void aPieceFedOnceAGapBeforeItFilled_catchesUpThenHashesItselfFromMemory() throws Exception {
        byte[] content = random(2_000_000, 9);
        byte[] onDisk = content.clone();
        java.util.Arrays.fill(onDisk, 1_500_000, 2_000_000, (byte) 0); // the last piece: right only in memory
        LongAdder reread = new LongAdder();
        ProgressiveDigest d = digest(content, onDisk, List.of(new FetchRange("f", 1_000_000, 250_000, 0, 1)),
                List.of(copy(0, 1_000_000), copy(1_250_000, 750_000)), reread);
        d.feed(0, 1_000_000, slice(content, 0, 1_000_000));
        d.feed(1_250_000, 1_500_000, slice(content, 1_250_000, 1_500_000)); // the range is not in: recorded
        d.complete(1_000_000, 1_250_000, slice(content, 1_000_000, 1_250_000)); // the writer hashes only its range
        assertEquals(1_250_000, d.hashedBytes());
        d.feed(1_500_000, 2_000_000, slice(content, 1_500_000, 2_000_000));
        assertEquals(2_000_000, d.hashedBytes(), "the next piece caught up with what was recorded, then hashed itself");
        assertEquals(250_000, reread.sum());
        d.fedAll();
        d.verify();
    }

    @Test
    void aFedPieceWhoseBytesDifferFromTheManifest_failsVerification() throws Exception {
        byte[] content = random(1_500_000, 7);
        byte[] other = content.clone();
        other[123_456] ^= 1;
        ProgressiveDigest d = digest(content, content, List.of(), List.of(copy(0, 1_500_000)), new LongAdder());
        d.feed(0, 1_000_000, slice(other, 0, 1_000_000));
        d.feed(1_000_000, 1_500_000, slice(other, 1_000_000, 1_500_000));
        d.fedAll();
        StoreException x = assertThrows(StoreException.class, d::verify);
        assertEquals(true, x.getMessage().contains("SHA-256"), x.getMessage());
    }
}
