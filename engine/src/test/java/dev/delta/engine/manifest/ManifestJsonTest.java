package dev.delta.engine.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 3, 5, 8, 13, 21})
    void write_randomManifest_everyFieldParsesBack(long seed) throws IOException {
        Manifest m = RandomManifests.random(seed);
        StringWriter out = new StringWriter();
        ManifestJson.write(m, out, ManifestJson.Layout.COMPACT);
        JsonNode root = MAPPER.readTree(out.toString());

        assertHeader(m, root);
        assertEquals(m.entries().size(), root.get("entries").size());
        Iterator<JsonNode> nodes = root.get("entries").elements();
        for (Entry e : m.entries()) {
            assertEntry(e, nodes.next());
        }
    }

    @Test
    void write_smallManifest_rendersDocumentedValues() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ManifestJson.write(RandomManifests.small(), out, ManifestJson.Layout.COMPACT);
        JsonNode root = MAPPER.readTree(out.toByteArray());

        assertEquals(ManifestCodecTest.SMALL_ROOT_DIGEST, root.get("rootDigest").asText());
        assertEquals("2023-11-14T22:13:20.000Z", root.get("created").asText());
        assertEquals("{\"entries\":5,\"files\":3,\"dirs\":1,\"symlinks\":1,\"bytes\":41,\"chunks\":3}",
                root.get("totals").toString());
        JsonNode docs = root.get("entries").get(0);
        assertEquals("docs", docs.get("path").asText());
        assertEquals("dir", docs.get("type").asText());
        assertEquals("0755", docs.get("mode").asText());
        assertFalse(docs.has("chunks") || docs.has("size") || docs.has("target"));
        JsonNode a = root.get("entries").get(1);
        assertEquals("2023-11-14T22:13:21.123456789Z", a.get("mtime").asText());
        assertEquals("[{\"offset\":0,\"length\":13,\"id\":\"" + RandomManifests.small().get("docs/a.txt").chunks().id(0)
                + "\"},{\"offset\":13,\"length\":21,\"id\":\"" + RandomManifests.small().get("docs/a.txt").chunks().id(1)
                + "\"}]", a.get("chunks").toString());
        JsonNode empty = root.get("entries").get(2);
        assertEquals("1969-12-31T23:59:59.999999999Z", empty.get("mtime").asText());
        assertEquals(0, empty.get("chunks").size());
        assertEquals("0600", empty.get("mode").asText());
        JsonNode link = root.get("entries").get(3);
        assertEquals("symlink", link.get("type").asText());
        assertEquals("docs/a.txt", link.get("target").asText());
        assertEquals("naïve.txt", root.get("entries").get(4).get("path").asText());
    }

    @ParameterizedTest
    @EnumSource(ManifestJson.Layout.class)
    void write_layouts_parseToTheSameTree(ManifestJson.Layout layout) throws IOException {
        Manifest m = RandomManifests.random(4);
        StringWriter compact = new StringWriter();
        ManifestJson.write(m, compact, ManifestJson.Layout.COMPACT);
        StringWriter other = new StringWriter();
        ManifestJson.write(m, other, layout);

        assertEquals(MAPPER.readTree(compact.toString()), MAPPER.readTree(other.toString()));
        assertEquals(layout == ManifestJson.Layout.PRETTY, other.toString().contains("\n"));
        assertFalse(compact.toString().contains("\n"));
    }

    @Test
    void write_extremeTimesAndSetuidMode_rendered() throws IOException {
        byte[] sha = Sha256.of(new byte[0]);
        Manifest m = new Manifest("t", 5, 0, Long.MIN_VALUE, dev.delta.engine.chunk.ChunkerParams.DEFAULT, List.of(
                Entry.file("max", 04755, Long.MAX_VALUE, 0, sha, ChunkList.EMPTY),
                Entry.file("min", 01, Long.MIN_VALUE, 0, sha, ChunkList.EMPTY)));
        StringWriter out = new StringWriter();
        ManifestJson.write(m, out, ManifestJson.Layout.PRETTY);
        JsonNode root = MAPPER.readTree(out.toString());

        assertEquals(Long.MIN_VALUE, root.get("createdMillis").asLong());
        assertEquals(Instant.ofEpochMilli(Long.MIN_VALUE), Instant.parse(root.get("created").asText()));
        assertEquals("2262-04-11T23:47:16.854775807Z", root.get("entries").get(0).get("mtime").asText());
        assertEquals("4755", root.get("entries").get(0).get("mode").asText());
        assertEquals("1677-09-21T00:12:43.145224192Z", root.get("entries").get(1).get("mtime").asText());
        assertEquals("0001", root.get("entries").get(1).get("mode").asText());
    }

    @Test
    void write_flushesButDoesNotCloseTheTarget() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(bytes, 1 << 16) {
            @Override
            public void close() throws IOException {
                closed[0] = true;
                super.close();
            }
        };
        ManifestJson.write(RandomManifests.small(), out, ManifestJson.Layout.COMPACT);

        assertFalse(closed[0], "closed the caller's stream");
        assertEquals(5, MAPPER.readTree(bytes.toByteArray()).get("entries").size(), "not flushed");
    }

    private static void assertHeader(Manifest m, JsonNode root) {
        assertEquals("delta-manifest", root.get("format").asText());
        assertEquals(1, root.get("formatVersion").asInt());
        assertEquals(m.dataset(), root.get("dataset").asText());
        assertEquals(m.version(), root.get("version").asLong());
        assertEquals(m.parentVersion(), root.get("parent").asLong());
        assertEquals(m.createdMillis(), root.get("createdMillis").asLong());
        assertEquals(Instant.ofEpochMilli(m.createdMillis()), Instant.parse(root.get("created").asText()));
        assertEquals(m.chunker().min(), root.get("chunker").get("min").asInt());
        assertEquals(m.chunker().avg(), root.get("chunker").get("avg").asInt());
        assertEquals(m.chunker().max(), root.get("chunker").get("max").asInt());
        assertEquals(m.chunker().normalization(), root.get("chunker").get("normalization").asInt());
        assertEquals(Sha256.hex(new ManifestCodec().rootDigest(m)), root.get("rootDigest").asText());
        assertEquals(m.totalBytes(), root.get("totals").get("bytes").asLong());
        assertEquals(m.chunkCount(), root.get("totals").get("chunks").asLong());
        assertEquals(m.fileCount(), root.get("totals").get("files").asLong());
    }

    private static void assertEntry(Entry e, JsonNode n) {
        assertEquals(e.path(), n.get("path").asText());
        assertEquals(e.type().label(), n.get("type").asText());
        assertEquals(e.mode(), Integer.parseInt(n.get("mode").asText(), 8));
        assertTrue(n.get("mode").asText().length() >= 4);
        Instant mtime = Instant.parse(n.get("mtime").asText());
        assertEquals(Math.floorDiv(e.mtimeNanos(), 1_000_000_000L), mtime.getEpochSecond());
        assertEquals(Math.floorMod(e.mtimeNanos(), 1_000_000_000L), mtime.getNano());
        assertEquals(e.mtimeNanos(), n.get("mtimeNanos").asLong());
        if (e.isSymlink()) {
            assertEquals(e.target(), n.get("target").asText());
        } else {
            assertNull(n.get("target"));
        }
        if (!e.isFile()) {
            assertNull(n.get("chunks"));
            return;
        }
        assertEquals(e.size(), n.get("size").asLong());
        assertEquals(e.sha256Hex(), n.get("sha256").asText());
        ChunkList chunks = e.chunks();
        assertEquals(chunks.size(), n.get("chunks").size());
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode c = n.get("chunks").get(i);
            assertEquals(chunks.offset(i), c.get("offset").asLong());
            assertEquals(chunks.length(i), c.get("length").asInt());
            assertEquals(chunks.id(i).toHex(), c.get("id").asText());
        }
    }
}
