package dev.delta.protocol;

import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.codec.Golden;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.FrameLayout;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.MessageType;
import dev.delta.protocol.wire.ProtocolVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/protocol.md says what the code does: its tables, versions, limits and byte examples are checked here. */
class ProtocolDocTest {
    private static List<String> lines;

    @BeforeAll
    static void load() throws IOException {
        Path doc = Path.of("..", "docs", "protocol.md");
        if (!Files.exists(doc)) {
            doc = Path.of("docs", "protocol.md");
        }
        lines = Files.readAllLines(doc);
    }

    /** Rows of the first table after a heading: cells trimmed, header and ruler skipped. */
    private static List<List<String>> table(String heading) {
        int i = lines.indexOf(heading);
        assertTrue(i >= 0, "missing heading " + heading);
        while (!lines.get(i).startsWith("|")) {
            i++;
        }
        List<List<String>> rows = new java.util.ArrayList<>();
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String l = lines.get(i);
            rows.add(List.of(l.substring(1, l.length() - 1).split("\\|")).stream().map(String::trim).toList());
        }
        return rows;
    }

    @Test
    void messageTypeTable_matchesEnum() {
        Map<String, Integer> doc = new LinkedHashMap<>();
        for (List<String> row : table("## Message types")) {
            doc.put(row.get(1), Integer.decode(row.get(0)));
        }
        Map<String, Integer> code = new LinkedHashMap<>();
        for (MessageType t : MessageType.values()) {
            code.put(t.name(), t.code());
        }
        assertEquals(code, doc);
        for (List<String> row : table("## Message types")) {
            assertEquals(MessageType.valueOf(row.get(1)).connectionLevel(), row.get(2).equals("0"), row.get(1));
        }
    }

    @Test
    void errorCodeTable_matchesEnum() {
        Map<String, Integer> doc = new LinkedHashMap<>();
        for (List<String> row : table("## Error codes")) {
            doc.put(row.get(1), Integer.parseInt(row.get(0)));
        }
        Map<String, Integer> code = new LinkedHashMap<>();
        for (ErrorCode c : ErrorCode.values()) {
            code.put(c.name(), c.code());
        }
        assertEquals(code, doc);
    }

    @Test
    void frameLayoutTable_matchesConstants() {
        Map<String, Integer> offsets = new LinkedHashMap<>();
        for (List<String> row : table("## Frame layout")) {
            offsets.put(row.get(0), Integer.parseInt(row.get(1)));
        }
        assertEquals(Map.of("length", FrameLayout.LENGTH_OFFSET, "type", FrameLayout.TYPE_OFFSET,
                "flags", FrameLayout.FLAGS_OFFSET, "request id", FrameLayout.REQUEST_ID_OFFSET,
                "body", FrameLayout.BODY_OFFSET), offsets);
    }

    @Test
    void versions_matchConstants() {
        String text = String.join("\n", lines);
        assertEquals(ProtocolVersion.CURRENT, find(text, "Current protocol version: \\*\\*(\\d+)\\*\\*"));
        assertEquals(ProtocolVersion.LOWEST_COMPATIBLE, find(text, "Lowest compatible version: \\*\\*(\\d+)\\*\\*"));
    }

    @Test
    void limitsTable_matchesDefaults() {
        Map<String, Long> doc = new LinkedHashMap<>();
        for (List<String> row : table("## Limits")) {
            Matcher m = Pattern.compile("^(\\d+)").matcher(row.get(1));
            assertTrue(m.find(), row.toString());
            doc.put(row.get(0), Long.parseLong(m.group(1)));
        }
        Limits l = Limits.DEFAULT;
        ServerConfig s = ServerConfig.of("127.0.0.1", 0);
        ClientConfig c = ClientConfig.of("127.0.0.1", 1, "k", new byte[] {1});
        assertEquals((long) l.maxFrameLength(), doc.get("frame length field"));
        assertEquals((long) l.maxDataLength(), doc.get("raw bytes of one DATA frame"));
        assertEquals((long) l.maxRangesPerRequest(), doc.get("ranges in one GET_RANGES"));
        assertEquals((long) l.maxRangesPerRequest(), doc.get("files in one GET_FILES"));
        assertEquals((long) l.maxPathBytes(), doc.get("path in GET_RANGES"));
        assertEquals((long) Limits.MAX_DATASET_BYTES, doc.get("dataset name, key id"));
        assertEquals((long) Limits.MAX_REFERENCE_WINDOW, doc.get("reference window in GET_RANGES"));
        assertEquals((long) Limits.MAX_ERROR_MESSAGE_BYTES, doc.get("ERROR message"));
        assertEquals(l.maxManifestBytes(), doc.get("total length of one MANIFEST stream"));
        assertEquals((long) s.maxConcurrentRequests(), doc.get("concurrent requests a server serves per connection"));
        assertEquals((long) c.maxInFlight(), doc.get("requests a client keeps in flight"));
        assertEquals((long) c.receiveWindow(), doc.get("receive window"));
        assertEquals((long) s.receiveWindow(), doc.get("receive window"));
        assertEquals(ServerConfig.MIN_WINDOW, ClientConfig.MIN_WINDOW);
        assertTrue(String.join(" ", lines).contains("at least " + ServerConfig.MIN_WINDOW + " bytes"));
    }

    @Test
    void workedExamples_areTheGoldenFrames() throws IOException {
        Map<String, String> doc = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```frame ")) {
                doc.put(lines.get(i).substring("```frame ".length()).trim(), lines.get(i + 1).replace(" ", ""));
            }
        }
        Map<String, String> golden = new LinkedHashMap<>();
        Golden.frames().forEach((name, bytes) -> golden.put(name, HexFormat.of().formatHex(bytes)));
        assertEquals(golden, doc);
    }

    private static int find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex);
        return Integer.parseInt(m.group(1));
    }
}
