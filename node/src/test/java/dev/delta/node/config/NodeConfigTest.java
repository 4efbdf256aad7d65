package dev.delta.node.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {
    @TempDir
    Path tmp;

    @Test
    void load_fullEdgeConfigWithCommentsAndRelativePaths() throws Exception {
        Files.writeString(tmp.resolve("secret.txt"), "0123456789abcdef0123\n");
        dev.delta.engine.manifest.KeyFiles.writePublicKey(dev.delta.engine.manifest.KeyFiles.generate().getPublic(),
                tmp.resolve("origin.pub"));
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
                  "follow": true,
                  "chunker": {"avg": 8192, "min": 2048, "max": 32768},
                  "fetch_connections": 3,
                  "max_connections": 200
                }""");
        NodeConfig c = NodeConfig.load(f);
        assertEquals(tmp.resolve("data"), c.dataDir());
        assertEquals("0.0.0.0", c.listenHost());
        assertEquals(7500, c.listenPort());
        assertEquals(NodeConfig.Role.EDGE, c.role());
        assertEquals(new NodeConfig.HostPort("origin.example", 7420), c.upstream());
        assertEquals(List.of("site", "models"), c.datasets());
        assertEquals(3, c.retention());
        assertEquals(3, c.fetchConnections());
        assertEquals(1, NodeConfig.defaults(tmp, NodeConfig.Role.EDGE).fetchConnections());
        assertEquals(200, c.maxConnections());
        assertEquals(0, NodeConfig.defaults(tmp, NodeConfig.Role.EDGE).maxConnections(), "0: from the open-file limit");
        assertEquals("0123456789abcdef0123", new String(c.secret()));
        assertEquals(tmp.resolve("origin.pub"), c.trustedKey());
        assertTrue(c.follow());
        assertEquals(8192, c.chunker().avg());
        assertNull(c.tls());
    }

    @Test
    void load_yamlFile_givesTheSameConfigAsJson() throws Exception {
        Files.writeString(tmp.resolve("secret.txt"), "0123456789abcdef0123\n");
        Path json = tmp.resolve("edge.json");
        Files.writeString(json, """
                {"data_dir": "data", "listen": "0.0.0.0:7500", "role": "edge", "upstream": "origin.example:7420",
                 "datasets": ["site", "models"], "ignore": [".tmp", "cache/"], "retention": 3,
                 "secret_file": "secret.txt", "follow": false, "chunker": {"avg": 8192, "min": 2048, "max": 32768}}""");
        Path yaml = tmp.resolve("edge.yaml");
        Files.writeString(yaml, """
                # an edge in the first rack
                data_dir: data
                listen: "0.0.0.0:7500"
                role: edge
                upstream: origin.example:7420
                datasets: [site, models]
                ignore:
                  - .tmp
                  - cache/
                retention: 3
                secret_file: secret.txt
                follow: false
                chunker: {avg: 8192, min: 2048, max: 32768}
                """);
        NodeConfig fromJson = NodeConfig.load(json);
        NodeConfig fromYaml = NodeConfig.load(yaml);
        assertEquals(fromJson.dataDir(), fromYaml.dataDir());
        assertEquals(fromJson.listenHost(), fromYaml.listenHost());
        assertEquals(fromJson.listenPort(), fromYaml.listenPort());
        assertEquals(fromJson.role(), fromYaml.role());
        assertEquals(fromJson.datasets(), fromYaml.datasets());
        assertEquals(fromJson.retention(), fromYaml.retention());
        assertEquals(fromJson.follow(), fromYaml.follow());
        assertEquals(fromJson.chunker(), fromYaml.chunker());
        assertEquals(new String(fromJson.secret()), new String(fromYaml.secret()));
        assertEquals(List.of(".tmp", "cache/"), fromYaml.ignore());
        assertEquals(8192, fromYaml.chunker().avg());
        assertEquals(new NodeConfig.HostPort("origin.example", 7420), fromYaml.upstream());
    }

    @Test
    void load_badYaml_namesFileAndField() throws Exception {
        Path typo = tmp.resolve("typo.yml");
        Files.writeString(typo, "role: origin\nretension: 3\n");
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.load(typo));
        assertTrue(e.getMessage().contains("typo.yml") && e.getMessage().contains("retension")
                && e.getMessage().contains("retention"), e.getMessage());
        Path list = tmp.resolve("list.yaml");
        Files.writeString(list, "- role\n- origin\n");
        e = assertThrows(ConfigException.class, () -> NodeConfig.load(list));
        assertTrue(e.getMessage().contains("YAML mapping"), e.getMessage());
        Path broken = tmp.resolve("broken.yaml");
        Files.writeString(broken, "role: [origin\n");
        e = assertThrows(ConfigException.class, () -> NodeConfig.load(broken));
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        Path wrongType = tmp.resolve("type.yaml");
        Files.writeString(wrongType, "role: origin\nsecret: a-long-enough-secret\nretention: many\n");
        e = assertThrows(ConfigException.class, () -> NodeConfig.load(wrongType));
        assertTrue(e.getMessage().contains("retention"), e.getMessage());
    }

    @Test
    void parse_originDefaults() throws Exception {
        NodeConfig c = NodeConfig.parse("{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\"}", tmp);
        assertEquals(NodeConfig.DEFAULT_PORT, c.listenPort());
        assertEquals("127.0.0.1", c.listenHost());
        assertEquals(5, c.retention());
        assertEquals(tmp.resolve("delta-data"), c.dataDir());
        assertFalse(c.follow(), "a rollback hold holds unless the config says follow");
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
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"fetch_connections\": 0}|fetch_connections: must be between 1 and 16",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"fetch_connections\": 17}|fetch_connections: must be between 1 and 16",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"max_connections\": 0}|max_connections: must be at least 1",
            "{\"role\": \"edge\", \"upstream\": \"h:0\", \"datasets\": [\"s\"], \"secret\": \"a-long-enough-secret\"}|upstream: port 0 is not one to connect to",
            "{\"role\": \"origin\", \"tls\": {\"cert\": \"c\", \"key\": \"k\", \"ca\": \"a\"}}|is required, with or without \"tls\"",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"chunker\": {\"avrg\": 8192}}|chunker: unknown field 'avrg'",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"tls\": {\"cert\": \"c\", \"key\": \"k\", \"ca\": \"a\", \"extra\": 1}}|tls: unknown field 'extra'",
            "{\"role\": \"origin\", \"role\": \"edge\", \"secret\": \"a-long-enough-secret\"}|Duplicate field 'role'",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"trusted_key\": \"nokey.pub\"}|trusted_key: ",
            "{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", \"signing_key\": \"nokey.key\"}|signing_key: ",
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

    @Test
    void parseYaml_rejectsAFieldGivenTwice() {
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.parseYaml(
                "role: origin\nsecret: a-long-enough-secret\nrole: edge\n", tmp));
        assertTrue(e.getMessage().contains("Duplicate field 'role'"), e.getMessage());
    }

    /** Mistakes a node used to start with, then fail on at every turn, are config errors. */
    @Test
    void parse_rejectsMistakesThatUsedToStartANodeThatCouldNotWork() {
        String edge = "{\"role\": \"edge\", \"upstream\": \"127.0.0.1:7420\", \"secret\": \"a-long-enough-secret\", ";
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.parse(edge
                + "\"datasets\": [\"site\", \"site\"]}", tmp));
        assertTrue(e.getMessage().contains("'site' is listed twice"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> NodeConfig.parse(edge
                + "\"datasets\": [\"site\"], \"key_id\": \"\"}", tmp));
        assertTrue(e.getMessage().startsWith("key_id: must be 1 to 255 bytes"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> NodeConfig.parseYaml(
                "role: origin\nsecret: a-long-enough-secret\n---\nrole: edge\n", tmp));
        assertTrue(e.getMessage().contains("holds 2 YAML documents"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> NodeConfig.parse("{\"role\": \"origin\"\n", tmp));
        assertTrue(e.getMessage().startsWith("not valid JSON: ") && !e.getMessage().contains("REDACTED")
                && e.getMessage().contains("start marker at line 1, column 1"), e.getMessage());
    }

    @Test
    void parse_readsTheKeysItNames() throws Exception {
        java.security.KeyPair kp = dev.delta.engine.manifest.KeyFiles.generate();
        dev.delta.engine.manifest.KeyFiles.writePublicKey(kp.getPublic(), tmp.resolve("o.pub"));
        NodeConfig c = NodeConfig.parse("{\"role\": \"origin\", \"secret\": \"a-long-enough-secret\", "
                + "\"trusted_key\": \"o.pub\"}", tmp);
        assertEquals(tmp.resolve("o.pub"), c.trustedKey());
        Files.writeString(tmp.resolve("bad.pub"), "not a key");
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.parse("{\"role\": \"origin\", "
                + "\"secret\": \"a-long-enough-secret\", \"trusted_key\": \"bad.pub\"}", tmp));
        assertTrue(e.getMessage().startsWith("trusted_key: "), e.getMessage());
    }
}
