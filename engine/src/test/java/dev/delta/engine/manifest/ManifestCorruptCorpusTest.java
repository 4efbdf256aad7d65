package dev.delta.engine.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file under golden/manifest/corrupt/ must be rejected with a message naming its problem.
 * The files are committed; run with {@code -Ddelta.regenerateGolden=true} to rewrite them (and
 * small-v1.dm) after a deliberate format change.
 */
class ManifestCorruptCorpusTest {
    static final Path DIR = Paths.get("src/test/resources/golden/manifest/corrupt");
    private static final ManifestCodec CODEC = new ManifestCodec();

    /** File name to a phrase its rejection message must contain. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("empty.dm", "truncated manifest: header magic at byte 0 needs 4 bytes, 0 left");
        EXPECTED.put("truncated-header.dm", "truncated manifest: header version at byte");
        EXPECTED.put("truncated-path.dm", "truncated manifest: entry count 5 needs at least 70 more bytes, 19 left");
        EXPECTED.put("truncated-chunk.dm", "truncated manifest: chunk count 2 needs at least 40 more bytes, 23 left");
        EXPECTED.put("truncated-checksum.dm", "truncated manifest: chunk count 1 needs at least 20 more bytes, 18 left");
        EXPECTED.put("truncated-checksum-after-dir.dm", "truncated manifest: trailer checksum at byte 68 needs 4 bytes, 3 left");
        EXPECTED.put("bad-magic.dm", "not a Delta manifest: magic at byte 0 is 0x504b0304");
        EXPECTED.put("bad-version.dm", "unsupported manifest format version 2 at byte 4");
        EXPECTED.put("bad-flags.dm", "unknown header flags 0x0001");
        EXPECTED.put("bad-checksum.dm", "checksum mismatch: CRC32C stored at byte");
        EXPECTED.put("trailing-bytes.dm", "trailing bytes after the checksum at byte 359: 5 more");
        EXPECTED.put("huge-entry-count.dm", "entry count 2147483648 is over the limit of 10000000");
        EXPECTED.put("huge-chunk-count.dm", "truncated manifest: chunk count 16000000 needs at least 320000000 more");
        EXPECTED.put("dotdot-path.dm", "unsafe path 'a/../../etc': has a '..' segment");
        EXPECTED.put("absolute-path.dm", "unsafe path '/etc/passwd': absolute");
        EXPECTED.put("nul-in-path.dm", "unsafe path 'a\\x00b': contains a NUL character");
        EXPECTED.put("empty-path.dm", "path length 0 must be between 1 and 4096 bytes");
        EXPECTED.put("unsorted-entries.dm", "entries out of order: 'a' must sort after the previous entry 'b'");
        EXPECTED.put("duplicate-path.dm", "duplicate path [entry 1 ('a')");
        EXPECTED.put("chunks-not-summing-to-size.dm", "chunks cover 110 bytes but the size field says 100");
        EXPECTED.put("zero-length-chunk.dm", "chunk length 0 must be between 1 and 2147483647");
        EXPECTED.put("negative-size.dm", "negative size -5");
        EXPECTED.put("invalid-utf8-path.dm", "invalid UTF-8 in path (byte 1 of 2) [entry 0, byte 56]");
        EXPECTED.put("overlong-utf8-path.dm", "invalid UTF-8 in path (byte 1 of 4) [entry 0, byte 56]");
        EXPECTED.put("surrogate-utf8-target.dm", "invalid UTF-8 in target (byte 0 of 3) [entry 0 ('l'), byte 68]");
        EXPECTED.put("unknown-entry-type.dm", "unknown entry type code 9");
        EXPECTED.put("bad-mode.dm", "bad mode 0100644 (bits beyond 07777)");
        EXPECTED.put("symlink-mode.dm", "bad mode 0755 (a symlink's mode is always 0777)");
        EXPECTED.put("bad-dataset.dm", "bad header dataset: dataset name may use only letters");
        EXPECTED.put("bad-versions.dm", "bad header versions: version 2, parent 3");
        EXPECTED.put("bad-chunker.dm", "bad header chunker parameters: average chunk size must be a power of two");
    }

    /** Where the stream decoder's message differs, the phrase it must contain instead. */
    static final Map<String, String> STREAM_EXPECTED = Map.of(
            "truncated-path.dm", "truncated manifest: entry 1 path at byte 75 needs 10 bytes, 3 left",
            "truncated-chunk.dm", "truncated manifest: entry 1 ('docs/a.txt') chunk 1 record at byte 159",
            "truncated-checksum.dm", "truncated manifest: trailer checksum at byte",
            "huge-chunk-count.dm", "truncated manifest: entry 0 ('f') chunk 1 record at byte",
            "trailing-bytes.dm", "trailing bytes after the checksum at byte");

    static Stream<String> corpus() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()).stream();
        }
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void decode_corruptFile_rejectedWithNamedProblem(String name) throws IOException {
        byte[] bytes = Files.readAllBytes(DIR.resolve(name));
        String expected = EXPECTED.get(name);
        assertTrue(expected != null, "no expectation for corpus file " + name);

        ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> CODEC.decode(bytes));
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
        ManifestFormatException s = assertThrows(ManifestFormatException.class,
                () -> CODEC.decode(new ByteArrayInputStream(bytes)));
        // A stream's length is unknown up front, so some problems surface at a later field.
        assertTrue(s.getMessage().contains(expected) || STREAM_EXPECTED.containsKey(name)
                && s.getMessage().contains(STREAM_EXPECTED.get(name)), name + " (stream): " + s.getMessage());
    }

    @Test
    void corpus_hasEveryExpectedFile() throws IOException {
        if (Boolean.getBoolean("delta.regenerateGolden")) {
            regenerate();
        }
        Set<String> present = corpus().collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(EXPECTED.keySet()), present);
    }

    private static void regenerate() throws IOException {
        byte[] small = CODEC.encode(RandomManifests.small());
        Files.write(ManifestCodecTest.GOLDEN, small);
        Files.createDirectories(DIR);
        Map<String, byte[]> files = new LinkedHashMap<>();
        int chunk1 = ManifestCodecTest.indexOf(small, new byte[] {0, 0, 5, 'e', 'm', 'p', 't', 'y'}) - 20;
        int path1 = ManifestCodecTest.indexOf(small, "docs/a.txt".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.put("empty.dm", new byte[0]);
        files.put("truncated-header.dm", Arrays.copyOf(small, 20));
        files.put("truncated-path.dm", Arrays.copyOf(small, path1 + 3));
        files.put("truncated-chunk.dm", Arrays.copyOf(small, chunk1 + 7));
        files.put("truncated-checksum.dm", Arrays.copyOf(small, small.length - 2));
        files.put("bad-magic.dm", patch(small, 0, 0x50, 0x4b, 0x03, 0x04));
        files.put("bad-version.dm", patch(small, 4, 0, 2));
        files.put("bad-flags.dm", RawManifestWriter.header("d", 0).sealed());
        files.get("bad-flags.dm")[7] = 1;
        files.put("bad-flags.dm", reseal(files.get("bad-flags.dm")));
        files.put("bad-checksum.dm", patch(small, small.length - 1, small[small.length - 1] ^ 0x10));
        files.put("trailing-bytes.dm", Arrays.copyOf(small, small.length + 5));
        files.put("huge-entry-count.dm", RawManifestWriter.header("d", 1L << 31).dir("a", 0755, 0).sealed());
        files.put("huge-chunk-count.dm", RawManifestWriter.header("d", 1).u8(0).string("f").u16(0644).i64(0)
                .i64(1L << 40).raw(new byte[32]).u32(16_000_000).u32(100).i64(0).i64(0).sealed());
        files.put("dotdot-path.dm", RawManifestWriter.header("d", 1).dir("a/../../etc", 0755, 0).sealed());
        files.put("absolute-path.dm", RawManifestWriter.header("d", 1).dir("/etc/passwd", 0755, 0).sealed());
        files.put("nul-in-path.dm", RawManifestWriter.header("d", 1).dir("a\0b", 0755, 0).sealed());
        files.put("empty-path.dm", RawManifestWriter.header("d", 2).dir("", 0755, 0).dir("bb", 0755, 0).sealed());
        byte[] oneDir = RawManifestWriter.header("d", 1).dir("abc", 0755, 0).sealed();
        files.put("truncated-checksum-after-dir.dm", Arrays.copyOf(oneDir, oneDir.length - 1));
        files.put("unsorted-entries.dm", RawManifestWriter.header("d", 2).dir("b", 0755, 0).dir("a", 0755, 0).sealed());
        files.put("duplicate-path.dm", RawManifestWriter.header("d", 2).dir("a", 0755, 0).dir("a", 0755, 0).sealed());
        files.put("chunks-not-summing-to-size.dm", RawManifestWriter.header("d", 1).file("f", 100, 60, 50).sealed());
        files.put("zero-length-chunk.dm", RawManifestWriter.header("d", 1).file("f", 10, 10, 0).sealed());
        files.put("negative-size.dm", RawManifestWriter.header("d", 1).file("f", -5).sealed());
        files.put("invalid-utf8-path.dm", RawManifestWriter.header("d", 1).u8(1).string(new byte[] {'a', (byte) 0xff})
                .u16(0755).i64(0).sealed());
        files.put("overlong-utf8-path.dm", RawManifestWriter.header("d", 1)
                .u8(1).string(new byte[] {'a', (byte) 0xc0, (byte) 0xaf, 'b'}).u16(0755).i64(0).sealed());
        files.put("surrogate-utf8-target.dm", RawManifestWriter.header("d", 1).u8(2).string("l").u16(0777).i64(0)
                .string(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}).sealed());
        files.put("unknown-entry-type.dm", RawManifestWriter.header("d", 1).u8(9).string("a").u16(0755).i64(0).sealed());
        files.put("bad-mode.dm", RawManifestWriter.header("d", 1).dir("a", 0100644, 0).sealed());
        files.put("symlink-mode.dm", RawManifestWriter.header("d", 1).u8(2).string("l").u16(0755).i64(0)
                .string("t").sealed());
        files.put("bad-dataset.dm", RawManifestWriter.header("a b", 0).sealed());
        files.put("bad-versions.dm", reseal(patch(RawManifestWriter.header("d", 0).sealed(), 11 + 8 + 7, 3)));
        files.put("bad-chunker.dm", reseal(patch(RawManifestWriter.header("d", 0).sealed(), 11 + 24 + 4, 0, 0, 0x30, 0)));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(DIR.resolve(f.getKey()), f.getValue());
        }
    }

    private static byte[] patch(byte[] b, int at, int... values) {
        byte[] c = b.clone();
        for (int i = 0; i < values.length; i++) {
            c[at + i] = (byte) values[i];
        }
        return c;
    }

    /** Recomputes the trailing CRC32C so that only the intended field is wrong. */
    private static byte[] reseal(byte[] sealed) {
        return new RawManifestWriter().raw(Arrays.copyOf(sealed, sealed.length - 4)).sealed();
    }
}
