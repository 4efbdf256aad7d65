package dev.delta.node.release;

import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.scan.ScanOptions;
import dev.delta.engine.scan.Scanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedBlocksTest {
    @TempDir
    Path tmp;

    /** Text, then random bytes, then text: compressible and incompressible blocks in one file. */
    private static byte[] mixed(long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 300_000) {
            sb.append("release ").append(r.nextInt(1000)).append(" of the tree, chunk ").append(r.nextInt(50)).append('\n');
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] noise = new byte[200_000];
        r.nextBytes(noise);
        byte[] all = new byte[text.length * 2 + noise.length];
        System.arraycopy(text, 0, all, 0, text.length);
        System.arraycopy(noise, 0, all, text.length, noise.length);
        System.arraycopy(text, 0, all, text.length + noise.length, text.length);
        return all;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private Manifest scan(Path dir) throws IOException {
        return new Scanner(ScanOptions.builder("t").chunker(ChunkerParams.REPLICATION).build()).scan(dir).manifest();
    }

    @Test
    void blocks_alignWithChunks_andDecompressToTheContent() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        byte[] content = mixed(1);
        Files.write(tree.resolve("f.bin"), content);
        Manifest m = scan(tree);
        Entry e = m.get("f.bin");
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        assertEquals(content.length, packs.packRelease(m, tree, 2));
        assertEquals(0, packs.packRelease(m, tree, 2), "packed once per content");

        LZ4SafeDecompressor d = LZ4Factory.fastestInstance().safeDecompressor();
        int compressed = 0;
        int raw = 0;
        try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
            assertNotNull(r);
            long off = 0;
            while (off < content.length) {
                int len = r.pieceLength(off, 1 << 20);
                assertTrue(len <= PackedBlocks.BLOCK_TARGET || len == e.chunks().length(0), "len " + len);
                ByteBuffer b = r.block(off, len);
                if (b == null) {
                    raw++;
                } else {
                    compressed++;
                    byte[] out = new byte[len];
                    assertEquals(len, d.decompress(b.array(), b.position(), b.remaining(), out, 0, len));
                    assertArrayEquals(Arrays.copyOfRange(content, (int) off, (int) off + len), out);
                }
                assertNull(r.block(off + 1, len - 1), "only whole blocks are served packed");
                off += len;
            }
            assertEquals(r.blocks(), compressed + raw);
        }
        assertTrue(compressed > 0 && raw > 0, "text blocks are stored, random ones are not: " + compressed + "/" + raw);
        // every block boundary is a chunk boundary
        long pos = 0;
        java.util.Set<Long> cuts = new java.util.HashSet<>();
        for (int i = 0; i < e.chunks().size(); i++) {
            cuts.add(pos);
            pos += e.chunks().length(i);
        }
        try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
            for (long off = 0; off < content.length; off += r.pieceLength(off, 1 << 20)) {
                assertTrue(cuts.contains(off), "block starts mid-chunk at " + off);
            }
        }
    }

    @Test
    void reopened_servesTheSameBlocks_andATableChangedSinceIsCheckedAgain() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.write(tree.resolve("f.bin"), mixed(3));
        Manifest m = scan(tree);
        Entry e = m.get("f.bin");
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        java.util.List<String> first = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) { // the later opens take the table parsed by the first
            java.util.List<String> seen = new java.util.ArrayList<>();
            try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
                assertNotNull(r);
                for (long off = 0; off < e.size(); ) {
                    int n = r.pieceLength(off, 1 << 20);
                    ByteBuffer b = r.block(off, n);
                    seen.add(off + ":" + n + ":" + r.blockLength(off, n) + ":" + (b == null ? -1 : b.hashCode()));
                    off += n;
                }
            }
            if (round == 0) {
                first = seen;
            } else {
                assertEquals(first, seen);
            }
        }
        Path f = packs.fileFor(e.sha256());
        byte[] bad = Files.readAllBytes(f);
        bad[PackedBlocks.HEADER + 9] ^= 1; // a block's length, same file length and header
        Files.write(f, bad);
        assertNull(packs.open(e.sha256(), e.size()), "a table that changed is parsed and checked again");
    }

    @Test
    void damage_isNeverServed() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.write(tree.resolve("f.bin"), mixed(2));
        Manifest m = scan(tree);
        Entry e = m.get("f.bin");
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        Path f = packs.fileFor(e.sha256());

        // a flipped byte in the last stored block: that block is refused, the others still served
        long len = Files.size(f);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(len - 3);
            int b = raf.read();
            raf.seek(len - 3);
            raf.write(b ^ 0x40);
        }
        int served = 0;
        int refused = 0;
        try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
            assertNotNull(r);
            for (long off = 0; off < e.size(); ) {
                int n = r.pieceLength(off, 1 << 20);
                if (r.block(off, n) != null) {
                    served++;
                }
                off += n;
            }
            refused = r.blocks() - served;
        }
        assertTrue(refused >= 1 && served >= 1, served + " served, " + refused + " refused");

        // a damaged table, a truncated file, a wrong size: the whole copy is refused
        byte[] good = Files.readAllBytes(f);
        byte[] bad = good.clone();
        bad[PackedBlocks.HEADER + 5] ^= 1;
        Files.write(f, bad);
        assertNull(packs.open(e.sha256(), e.size()));
        Files.write(f, Arrays.copyOf(good, 30));
        assertNull(packs.open(e.sha256(), e.size()));
        Files.write(f, good);
        assertNull(packs.open(e.sha256(), e.size() + 1));
        assertNull(packs.open(Sha256.of(new byte[1]), 5), "no copy at all");
    }

    @Test
    void smallContent_isReadWholeWhenOpened_andServedFromMemory() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        byte[] content = Arrays.copyOfRange(mixed(4), 240_000, 240_000 + 200_000); // text, then noise
        Files.write(tree.resolve("f.bin"), content);
        Files.write(tree.resolve("big.bin"), mixed(5));
        Manifest m = scan(tree);
        Entry e = m.get("f.bin");
        assertTrue(e.size() <= PackedBlocks.WHOLE_READ_MAX);
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        try (PackedBlocks.Reader big = packs.open(m.get("big.bin").sha256(), m.get("big.bin").size())) {
            assertFalse(big.inMemory(), "a big copy is read block by block");
        }
        Path f = packs.fileFor(e.sha256());
        byte[] good = Files.readAllBytes(f);
        LZ4SafeDecompressor d = LZ4Factory.fastestInstance().safeDecompressor();
        int compressed = 0;
        try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
            assertNotNull(r);
            assertTrue(r.inMemory());
            // the file's bytes (and one to notice a longer file), not its content's bound
            assertTrue(r.heldBytes() <= good.length + 1 && good.length < content.length * 3 / 4,
                    r.heldBytes() + " bytes held for a copy of " + good.length);
            Files.delete(f); // nothing is read from the file any more
            for (long off = 0; off < content.length; off += r.pieceLength(off, 1 << 20)) {
                int len = r.pieceLength(off, 1 << 20);
                ByteBuffer b = r.block(off, len);
                if (b != null) {
                    compressed++;
                    byte[] out = new byte[len];
                    byte[] stored = bytes(b);
                    assertEquals(len, d.decompress(stored, 0, stored.length, out, 0, len));
                    assertArrayEquals(Arrays.copyOfRange(content, (int) off, (int) off + len), out);
                }
            }
            assertTrue(compressed > 0 && compressed < r.blocks(), compressed + " of " + r.blocks());
        }
        // damage, whole or in one block, is refused here as well
        byte[] bad = good.clone();
        bad[bad.length - 3] ^= 0x40; // the last stored block
        Files.write(f, bad);
        try (PackedBlocks.Reader r = packs.open(e.sha256(), e.size())) {
            int served = 0;
            for (long off = 0; off < content.length; off += r.pieceLength(off, 1 << 20)) {
                if (r.block(off, r.pieceLength(off, 1 << 20)) != null) {
                    served++;
                }
            }
            assertEquals(compressed - 1, served);
        }
        bad = good.clone();
        bad[PackedBlocks.HEADER + 5] ^= 1;
        Files.write(f, bad);
        assertNull(packs.open(e.sha256(), e.size()));
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        assertNull(packs.open(e.sha256(), e.size()), "truncated");
        Files.write(f, Arrays.copyOf(good, 30));
        assertNull(packs.open(e.sha256(), e.size()));
        Files.write(f, good);
        assertNull(packs.open(e.sha256(), e.size() + 1));
    }

    @Test
    void retainOnly_dropsCopiesOfContentNoReleaseHolds() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.write(tree.resolve("a.txt"), "a".repeat(5000).getBytes(StandardCharsets.UTF_8));
        Files.write(tree.resolve("b.txt"), "b".repeat(5000).getBytes(StandardCharsets.UTF_8));
        Manifest m = scan(tree);
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        String a = Sha256.hex(m.get("a.txt").sha256());
        // a packing in progress elsewhere (a serving node's) and one a dead process left long ago
        Path fresh = Files.write(tmp.resolve("ds/.delta/lz4/.tmp-" + a + "-1-1"), new byte[10]);
        Path stale = Files.write(tmp.resolve("ds/.delta/lz4/.tmp-" + a + "-2-1"), new byte[10]);
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - PackedBlocks.TEMP_STALE_MS - 60_000));
        assertEquals(2, packs.retainOnly(Set.of(a)));
        assertTrue(Files.exists(packs.fileFor(m.get("a.txt").sha256())));
        assertFalse(Files.exists(packs.fileFor(m.get("b.txt").sha256())));
        assertTrue(Files.exists(fresh), "another process's packing in progress is left alone");
        assertFalse(Files.exists(stale), "a dead process's temporary file is removed");
    }

    @Test
    void theSearchForWorkIsPacedToo_soThatATreeAlreadyPackedYieldsToRequestsAsItIsLookedAt() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        int files = 3 * PackedBlocks.Pacer.EVERY;
        for (int i = 0; i < files; i++) {
            Files.writeString(tree.resolve("f" + i + ".txt"), "file " + i + " ".repeat(i % 50));
        }
        Manifest m = scan(tree);
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        packs.packGroups(m, tree, 1);

        // everything is packed: no block to compress, yet the pacer is asked while the files are looked at
        int[] asked = new int[1];
        assertEquals(0, packs.packRelease(m, tree, 1, e -> true, () -> asked[0]++));
        assertTrue(asked[0] >= files / PackedBlocks.Pacer.EVERY, "asked " + asked[0] + " times over " + files + " files");
        asked[0] = 0;
        assertEquals(0, packs.packGroups(m, tree, 1, g -> true, () -> asked[0]++));
        assertTrue(asked[0] >= 1, "the groups' search asks the pacer too");

        // and a pacer that stops (a request came, or a new version) stops the search at once
        int[] looked = new int[1];
        java.io.InterruptedIOException stop = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.InterruptedIOException.class, () -> packs.packRelease(m, tree, 1, e -> {
                    looked[0]++;
                    return true;
                }, () -> {
                    throw new java.io.InterruptedIOException("busy");
                }));
        assertEquals("busy", stop.getMessage());
        assertEquals(0, looked[0], "files were looked at after the pacer said stop");
    }

    /**
     * A block handed out for sending may still be on its way to an edge when the request's reader
     * is closed: it stays whole until its last holder lets go, and then the copy's memory is freed.
     */
    @Test
    void pooledBlocks_outliveTheirReader_andFreeTheCopyWithTheLastHolder() throws IOException {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        byte[] content = Arrays.copyOfRange(mixed(6), 0, 150_000);
        Files.write(tree.resolve("small.txt"), content);
        Files.write(tree.resolve("big.bin"), mixed(7));
        Manifest m = scan(tree);
        PackedBlocks packs = new PackedBlocks(tmp.resolve("ds"));
        packs.packRelease(m, tree, 1);
        for (String name : new String[] {"small.txt", "big.bin"}) {
            Entry e = m.get(name);
            java.util.List<ByteBuf> held = new java.util.ArrayList<>();
            java.util.List<byte[]> expected = new java.util.ArrayList<>();
            PackedBlocks.Reader r = packs.open(e.sha256(), e.size());
            assertNotNull(r);
            assertEquals(name.equals("small.txt"), r.inMemory());
            for (long off = 0; off < e.size(); off += r.pieceLength(off, 1 << 20)) {
                int n = r.pieceLength(off, 1 << 20);
                ByteBuffer plain = r.block(off, n);
                ByteBuf b = r.block(ByteBufAllocator.DEFAULT, off, n);
                assertEquals(plain == null, b == null, "the same blocks either way, at " + off);
                if (b != null) {
                    expected.add(bytes(plain));
                    held.add(b);
                }
            }
            assertFalse(held.isEmpty(), name + " has stored blocks");
            int before = r.references();
            r.close();
            r.close(); // a second close lets go of nothing more
            assertNull(r.block(ByteBufAllocator.DEFAULT, 0, r.pieceLength(0, 1 << 20)), "closed: nothing handed out");
            assertEquals(r.inMemory() ? before - 1 : 0, r.references());
            for (int i = 0; i < held.size(); i++) {
                assertArrayEquals(expected.get(i), ByteBufUtil.getBytes(held.get(i)), name + " block " + i);
                held.get(i).release();
            }
            assertEquals(0, r.references(), name + ": the copy read whole is freed with its last block");
            for (ByteBuf b : held) {
                assertEquals(0, b.refCnt());
            }
        }
    }
}
