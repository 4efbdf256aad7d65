package dev.delta.engine.plan;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.chunk.ChunkedFile;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.chunk.FileChunker;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.patch.RefPatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceWindowsTest {
    private static final String[] WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi"
            .split(" ");

    static byte[] text(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(9) == 0 ? '\n' : ' ');
            if (r.nextInt(50) == 0) {
                sb.append(r.nextLong()); // some entropy, so chunks are distinct
            }
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), n);
    }

    static Entry entry(String path, byte[] content) throws Exception {
        ChunkedFile f = new FileChunker(ChunkerParams.REPLICATION)
                .chunk(Channels.newChannel(new ByteArrayInputStream(content)));
        return Entry.file(path, 0644, 0, f.size(), f.sha256(), f.chunks());
    }

    /** Many edits through a big text (a tar, say): every fetched range becomes a small patch against its window. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void editsThroughABigFile_patchAgainstTheirWindows(long seed) throws Exception {
        Random r = new Random(seed);
        byte[] old = text(r, 2_000_000);
        byte[] neu = old;
        int inserted = 0;
        for (int k = 0; k < 30; k++) {
            int at = r.nextInt(neu.length);
            int cut = Math.min(neu.length - at, r.nextInt(300));
            byte[] ins = text(r, r.nextInt(550));
            inserted += ins.length;
            byte[] out = new byte[neu.length - cut + ins.length];
            System.arraycopy(neu, 0, out, 0, at);
            System.arraycopy(ins, 0, out, at, ins.length);
            System.arraycopy(neu, at + cut, out, at + ins.length, neu.length - at - cut);
            neu = out;
        }
        Entry base = entry("a.tar", old);
        Entry target = entry("a.tar", neu);
        Set<String> have = new HashSet<>();
        ChunkList bc = base.chunks();
        for (int i = 0; i < bc.size(); i++) {
            have.add(bc.id(i).toString());
        }
        ReferenceWindows w = new ReferenceWindows(base, target);
        ChunkList tc = target.chunks();
        long fetched = 0;
        long patched = 0;
        RefPatch.Encoder enc = new RefPatch.Encoder();
        for (int j = 0; j < tc.size(); ) {
            if (have.contains(tc.id(j).toString())) {
                j++;
                continue;
            }
            int first = j;
            while (j < tc.size() && !have.contains(tc.id(j).toString())) {
                j++;
            }
            long[] win = w.window(first, j - first);
            assertNotNull(win);
            assertTrue(win[0] >= 0 && win[1] > 0 && win[0] + win[1] <= old.length && win[1] <= ReferenceWindows.MAX_WINDOW);
            int off = (int) tc.offset(first);
            int len = (int) (tc.offset(j - 1) + tc.length(j - 1) - off);
            byte[] ref = Arrays.copyOfRange(old, (int) win[0], (int) (win[0] + win[1]));
            byte[] stream = new byte[len];
            int n = enc.reference(ref, ref.length).encode(neu, off, len, stream);
            assertTrue(n > 0, "range " + off + "+" + len + " did not patch against " + win[0] + "+" + win[1]);
            ByteBuffer outBuf = ByteBuffer.allocate(len);
            RefPatch.apply(ByteBuffer.wrap(stream, 0, n), ByteBuffer.wrap(ref), outBuf, len);
            assertArrayEquals(Arrays.copyOfRange(neu, off, off + len), outBuf.array());
            fetched += len;
            patched += n;
        }
        // Whole chunks around 30 edits: tens of KB; the patches carry about the inserted bytes.
        assertTrue(fetched > 4L * inserted, "fetched " + fetched + " for " + inserted + " inserted");
        assertTrue(patched < inserted + 30 * 64, "patched " + patched + " bytes for " + inserted + " inserted");
    }

    /** The anchors found through the id table, against a plain scan of the base for each target chunk. */
    @ParameterizedTest
    @ValueSource(longs = {7, 8, 9})
    void anchors_areTheFirstEqualChunkOfTheBase_withRepeatedAndCollidingIds(long seed) {
        Random r = new Random(seed);
        ChunkList.Builder bb = ChunkList.builder();
        ChunkList.Builder tb = ChunkList.builder();
        long baseSize = 0;
        long targetSize = 0;
        // few distinct high halves: many repeats and many ids that share a high half but not the low one
        for (int i = 0; i < 3000; i++) {
            int len = 100 + r.nextInt(3);
            bb.add(len, r.nextInt(40), r.nextInt(4));
            baseSize += len;
        }
        for (int j = 0; j < 3000; j++) {
            int len = 100 + r.nextInt(3);
            tb.add(len, r.nextInt(50), r.nextInt(4));
            targetSize += len;
        }
        ChunkList bc = bb.build();
        ChunkList tc = tb.build();
        ReferenceWindows w = new ReferenceWindows(Entry.file("f", 0644, 0, baseSize, new byte[32], bc),
                Entry.file("f", 0644, 0, targetSize, new byte[32], tc));
        int matched = 0;
        for (int j = 0; j < tc.size(); j++) {
            int first = -1;
            for (int i = 0; i < bc.size() && first < 0; i++) {
                if (bc.idHi(i) == tc.idHi(j)) {
                    first = i;
                }
            }
            int want = first >= 0 && bc.idLo(first) == tc.idLo(j) && bc.length(first) == tc.length(j) ? first : -1;
            assertEquals(want, w.anchor(j), "target chunk " + j);
            matched += want >= 0 ? 1 : 0;
        }
        assertTrue(matched > 100 && matched < tc.size() - 100, matched + " anchors: both kinds are exercised");
    }

    @Test
    void noAnchorOnEitherSide_usesTheWholeSmallFile() throws Exception {
        Random r = new Random(1);
        byte[] old = text(r, 3000);
        byte[] neu = Arrays.copyOf(old, 3100);
        Entry base = entry("f", old);
        Entry target = entry("f", neu);
        ReferenceWindows w = new ReferenceWindows(base, target);
        assertArrayEquals(new long[] {0, 3000}, w.window(0, target.chunks().size()));
    }

    @Test
    void tinyOrMissingBase_givesNoWindow() throws Exception {
        Entry base = entry("f", "tiny".getBytes(StandardCharsets.US_ASCII));
        Entry target = entry("f", text(new Random(2), 5000));
        assertNull(new ReferenceWindows(base, target).window(0, target.chunks().size()));
        assertNull(new ReferenceWindows(entry("f", text(new Random(3), 5000)), target).window(0, 99));
    }

    @Test
    void aHugeGap_isCutAroundTheRangesPosition() throws Exception {
        Random r = new Random(4);
        byte[] old = text(r, 3_000_000);
        byte[] neu = text(r, 3_000_000); // nothing in common: no anchors at all
        Entry base = entry("f", old);
        Entry target = entry("f", neu);
        ReferenceWindows w = new ReferenceWindows(base, target);
        ChunkList tc = target.chunks();
        int mid = tc.size() / 2;
        long[] win = w.window(mid, 1);
        assertEquals(ReferenceWindows.MAX_WINDOW, win[1]);
        long center = win[0] + win[1] / 2;
        assertTrue(Math.abs(center - tc.offset(mid)) < 16 * 1024, "window centred at " + center + " for a chunk at "
                + tc.offset(mid));
    }
}
