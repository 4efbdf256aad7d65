package dev.delta.engine.manifest;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.ChunkId;
import dev.delta.engine.hash.Sha256;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;

/**
 * Renders a manifest as JSON for humans and tools, streaming through Jackson's
 * {@link JsonGenerator} so a million-chunk manifest never exists as one string:
 *
 * <pre>
 * {"format":"delta-manifest","formatVersion":1,"dataset":"site","version":2,"parent":1,
 *  "created":"2023-11-14T22:13:20.000Z","createdMillis":1700000000000,
 *  "chunker":{"min":4096,"avg":16384,"max":65536,"normalization":2},
 *  "rootDigest":"47aa…","totals":{"entries":5,"files":3,"dirs":1,"symlinks":1,"bytes":40,"chunks":3},
 *  "entries":[{"path":"docs/a.txt","type":"file","mode":"0644",
 *              "mtime":"2023-11-14T22:13:21.123456789Z","mtimeNanos":1700000001123456789,
 *              "size":34,"sha256":"…","chunks":[{"offset":0,"length":13,"id":"…"},…]},
 *             {"path":"latest","type":"symlink","mode":"0777","mtime":"…","mtimeNanos":…,
 *              "target":"docs/a.txt"}, …]}
 * </pre>
 *
 * <p>Directories carry no size, sha256, chunks or target; symlinks carry a target only. Times are
 * UTC ISO-8601 ({@code created} with milliseconds, {@code mtime} with all nine nanosecond digits),
 * each also given as an exact number. The JSON is a view: the binary encoding stays canonical.
 */
public final class ManifestJson {
    /** Whitespace of the output. */
    public enum Layout {
        /** One line, no spaces. */
        COMPACT,
        /** Indented, one field a line. */
        PRETTY
    }

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();
    private static final DateTimeFormatter MILLIS = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
    private static final DateTimeFormatter NANOS = new DateTimeFormatterBuilder().appendInstant(9).toFormatter();

    private ManifestJson() {
    }

    /** Writes {@code m} as UTF-8 JSON to {@code out}; flushes, does not close. */
    public static void write(Manifest m, OutputStream out, Layout layout) throws IOException {
        write(m, new ManifestCodec().rootDigest(m), FACTORY.createGenerator(out, JsonEncoding.UTF8), layout);
    }

    /** Writes {@code m} as JSON to {@code out}; flushes, does not close. */
    public static void write(Manifest m, Writer out, Layout layout) throws IOException {
        write(m, new ManifestCodec().rootDigest(m), FACTORY.createGenerator(out), layout);
    }

    /**
     * Writes {@code m} with a root digest the caller already has (saving a pass over the encoding)
     * to {@code out}; flushes, does not close.
     */
    public static void write(Manifest m, byte[] rootDigest, Writer out, Layout layout) throws IOException {
        write(m, rootDigest, FACTORY.createGenerator(out), layout);
    }

    private static void write(Manifest m, byte[] rootDigest, JsonGenerator g, Layout layout) throws IOException {
        if (rootDigest.length != Sha256.BYTES) {
            throw new IllegalArgumentException("root digest must be 32 bytes, got " + rootDigest.length);
        }
        try (g) {
            if (layout == Layout.PRETTY) {
                g.useDefaultPrettyPrinter();
            }
            g.writeStartObject();
            g.writeStringField("format", "delta-manifest");
            g.writeNumberField("formatVersion", ManifestCodec.FORMAT_VERSION);
            g.writeStringField("dataset", m.dataset());
            g.writeNumberField("version", m.version());
            g.writeNumberField("parent", m.parentVersion());
            g.writeStringField("created", MILLIS.format(Instant.ofEpochMilli(m.createdMillis())));
            g.writeNumberField("createdMillis", m.createdMillis());
            g.writeObjectFieldStart("chunker");
            g.writeNumberField("min", m.chunker().min());
            g.writeNumberField("avg", m.chunker().avg());
            g.writeNumberField("max", m.chunker().max());
            g.writeNumberField("normalization", m.chunker().normalization());
            g.writeEndObject();
            g.writeStringField("rootDigest", Sha256.hex(rootDigest));
            writeTotals(m, g);
            g.writeArrayFieldStart("entries");
            for (Entry e : m.entries()) {
                writeEntry(e, g);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeTotals(Manifest m, JsonGenerator g) throws IOException {
        long files = 0;
        long dirs = 0;
        for (Entry e : m.entries()) {
            files += e.isFile() ? 1 : 0;
            dirs += e.isDir() ? 1 : 0;
        }
        g.writeObjectFieldStart("totals");
        g.writeNumberField("entries", m.entries().size());
        g.writeNumberField("files", files);
        g.writeNumberField("dirs", dirs);
        g.writeNumberField("symlinks", m.entries().size() - files - dirs);
        g.writeNumberField("bytes", m.totalBytes());
        g.writeNumberField("chunks", m.chunkCount());
        g.writeEndObject();
    }

    private static void writeEntry(Entry e, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("path", e.path());
        g.writeStringField("type", e.type().label());
        g.writeStringField("mode", octal(e.mode()));
        g.writeStringField("mtime", NANOS.format(Instant.ofEpochSecond(Math.floorDiv(e.mtimeNanos(), 1_000_000_000L),
                Math.floorMod(e.mtimeNanos(), 1_000_000_000L))));
        g.writeNumberField("mtimeNanos", e.mtimeNanos());
        if (e.isFile()) {
            g.writeNumberField("size", e.size());
            g.writeStringField("sha256", e.sha256Hex());
            g.writeArrayFieldStart("chunks");
            ChunkList chunks = e.chunks();
            for (int i = 0; i < chunks.size(); i++) {
                g.writeStartObject();
                g.writeNumberField("offset", chunks.offset(i));
                g.writeNumberField("length", chunks.length(i));
                g.writeStringField("id", ChunkId.hex(chunks.idHi(i), chunks.idLo(i))); // no ChunkId per chunk
                g.writeEndObject();
            }
            g.writeEndArray();
        } else if (e.isSymlink()) {
            g.writeStringField("target", e.target());
        }
        g.writeEndObject();
    }

    /** Four octal digits at least, as in {@code chmod}: 0644, 0755, 4755. */
    static String octal(int mode) {
        String s = Integer.toOctalString(mode);
        return s.length() >= 4 ? s : "0000".substring(s.length()) + s;
    }
}
