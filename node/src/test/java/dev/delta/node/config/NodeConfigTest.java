package dev.delta.node.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {
    @TempDir
    Path tmp;

    @Test
    void load_fullEdgeConfigWithCommentsAndRelativePaths() throws Exception {
        Files.writeString(tmp.resolve("secret.txt"), "0123456789abcdef0123\n");
        Path f = tmp.resolve("edge.json");
        Files.writeString(f, """
                {
                  // an edge in the first rack
                  "data_dir": "data",
                  "listen": "0.0.0.0:7500",
                  "role": "edge",
                  "upstream": "origin.example:7420",
                  "datasets": ["site", "models"],
                  "retention": 3,
                  "secret_file": "secret.txt",
                  "trusted_key": "origin.pub",
                  "follow": false,
                  "chunker": {"avg": 8192, "min": 2048, "max": 32768}
                }""");
        NodeConfig c = NodeConfig.load(f);
        assertEquals(tmp.resolve("data"), c.dataDir());
        assertEquals("0.0.0.0", c.listenHost());
        assertEquals(7500, c.listenPort());
        assertEquals(NodeConfig.Role.EDGE, c.role());
        assertEquals(new NodeConfig.HostPort("origin.example", 7420), c.upstream());
        assertEquals(List.of("site", "models"), c.datasets());
        assertEquals(3, c.retention());
        assertEquals("0123456789abcdef0123", new String(c.secret()));
        assertEquals(tmp.resolve("origin.pub"), c.trustedKey());
        assertEquals(false, c.follow());
        assertEquals(8192, c.chunker().avg());
        assertNull(c.tls());
    }

    @Test
    void parse_originDefaults() throws Exception {
        NodeConfig c = NodeConfig.parse("{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\"}", tmp);
        assertEquals(NodeConfig.DEFAULT_PORT, c.listenPort());
        assertEquals("127.0.0.1", c.listenHost());
        assertEquals(5, c.retention());
        assertEquals(tmp.resolve("delta-data"), c.dataDir());
        assertTrue(c.follow());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"lisen\": \"x\"}|unknown field 'lisen' (did you mean 'listen'?)",
            "{\"role\": \"relay\", \"secret\": \"a-long-enough-secret\"}|role: must be \"origin\" or \"edge\"",
            "{\"role\": \"edge\", \"datasets\": [\"s\"], \"secret\": \"a-long-enough-secret\"}|upstream: an edge needs an upstream",
            "{\"role\": \"edge\", \"upstream\": \"h:1\", \"secret\": \"a-long-enough-secret\"}|datasets: an edge must name",
            "{\"role\": \"origin\"}|a node never serves unauthenticated peers",
            "{\"role\": \"origin\", \"secret\": \"short\"}|at least 16 bytes",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"listen\": \"nohost\"}|listen: expected HOST:PORT",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"listen\": \"h:99999\"}|out of range",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"retention\": 0}|retention: must keep at least 1",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"retention\": \"5\"}|retention: must be a whole number",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"chunker\": {\"avg\": 10000}}|chunker: average chunk size must be a power of two",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"datasets\": [\"../x\"]}|datasets: dataset name",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\",}|not valid JSON",
            "[1, 2]|must be a JSON object",
    })
    void parse_rejectsBadConfigsNamingTheField(String json, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.parse(json, tmp));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void load_missingFileNamesIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(tmp.resolve("nope.json")));
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
    }
}
