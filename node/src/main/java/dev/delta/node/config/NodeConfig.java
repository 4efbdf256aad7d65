package dev.delta.node.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.delta.engine.chunk.ChunkerParams;
import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.Manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A node's configuration, read from a JSON file (comments allowed), or YAML when the file is
 * named {@code *.yaml} or {@code *.yml}, with every field optional:
 *
 * <pre>{@code
 * {
 *   "data_dir": "/var/lib/delta",        // releases live in <data_dir>/<dataset>/
 *   "listen": "127.0.0.1:7420",          // where this node serves (origin, or an edge relaying)
 *   "role": "edge",                      // "origin" or "edge"
 *   "upstream": "origin.example:7420",   // an edge's upstream (required for edges)
 *   "datasets": ["site"],                // what an edge follows / an origin serves (default: all)
 *   "ignore": [".tmp", "cache/"],        // origin: ignore patterns for publish (gitignore syntax)
 *   "retention": 5,                      // releases kept per dataset
 *   "key_id": "default",                 // shared-secret identity
 *   "secret": "...", "secret_file": "..",// shared secret (one of them; required, with TLS too)
 *   "tls": {"cert": "node.pem", "key": "node.key", "ca": "ca.pem"},
 *   "signing_key": "origin.key",         // origin: sign manifests (public key: same name, .pub)
 *   "trusted_key": "origin.pub",         // edge: accept only manifests signed by this key
 *   "follow": false,                     // edge: true = a newer version ends a rollback hold
 *   "chunker": {"min": 1024, "avg": 4096, "max": 16384, "nc": 2}, // publish; these are the defaults
 *   "fetch_connections": 1,              // edge: connections a big fetch is spread over (1-16)
 *   "max_connections": 1024              // connections served at once (default: what ulimit -n allows, up to 1024)
 * }
 * }</pre>
 *
 * Relative paths are resolved against the config file's directory. Unknown fields (in {@code tls}
 * and {@code chunker} too) and a field given twice are errors (a typo must not silently turn a
 * setting off). Key files are read when the config is: a missing key fails the start.
 *
 * @param dataDir     data directory
 * @param listenHost  host to listen on
 * @param listenPort  port to listen on
 * @param role        origin or edge
 * @param upstream    host:port of the upstream, or null
 * @param datasets    datasets to follow/serve; empty = all (origin) or an error (edge)
 * @param ignore      ignore patterns for publish
 * @param retention   releases kept
 * @param keyId       shared-secret identity
 * @param secret      shared secret bytes, or null
 * @param tls         TLS files, or null
 * @param signingKey  origin private key file, or null
 * @param trustedKey  edge trusted public key file, or null
 * @param follow      whether a newer version releases an edge's rollback hold
 * @param chunker     chunker parameters for publish
 * @param fetchConnections edge: connections a big fetch is spread over (1 to 16)
 * @param maxConnections connections this node serves at once, or 0: as many as its open-file limit
 *                       allows, up to {@code ServerConfig.DEFAULT_MAX_CONNECTIONS} (see {@code Node})
 */
public record NodeConfig(Path dataDir, String listenHost, int listenPort, Role role, HostPort upstream,
                         List<String> datasets, List<String> ignore, int retention, String keyId, byte[] secret,
                         Tls tls, Path signingKey, Path trustedKey, boolean follow, ChunkerParams chunker,
                         int fetchConnections, int maxConnections) {

    public static final int DEFAULT_PORT = 7420;

    /** The two kinds of node. */
    public enum Role { ORIGIN, EDGE }

    /** TLS certificate, key and CA files (PEM). */
    public record Tls(Path cert, Path key, Path ca) {
    }

    /** A host and port. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String s, String field) throws ConfigException {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new ConfigException(field + ": expected HOST:PORT, got '" + s + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 0 || port > 65535) {
                    throw new ConfigException(field + ": port " + port + " out of range 0-65535");
                }
                return new HostPort(host, port);
            } catch (NumberFormatException e) {
                throw new ConfigException(field + ": port is not a number in '" + s + "'");
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * A shared-secret identity as a node sends it in its hello: 1 to 255 bytes of UTF-8, no
     * control characters.
     *
     * @throws ConfigException naming the field when it is not one
     */
    public static String keyId(String id) throws ConfigException {
        int bytes = id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > 255) {
            throw new ConfigException("key_id: must be 1 to 255 bytes, got " + bytes);
        }
        if (id.codePoints().anyMatch(Character::isISOControl)) {
            throw new ConfigException("key_id: control characters are not allowed");
        }
        return id;
    }

    private static final Set<String> FIELDS = Set.of("data_dir", "listen", "role", "upstream", "datasets", "ignore",
            "retention", "key_id", "secret", "secret_file", "tls", "signing_key", "trusted_key", "follow", "chunker",
            "fetch_connections", "max_connections");

    /** Defaults for a node with no config file. */
    public static NodeConfig defaults(Path dataDir, Role role) {
        return new NodeConfig(dataDir, "127.0.0.1", DEFAULT_PORT, role, null, List.of(), List.of(), 5, "default", null,
                null, null, null, false, ChunkerParams.REPLICATION, 1, 0);
    }

    /** Reads and validates a config file. */
    public static NodeConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + file + ": " + reason(e), e);
        }
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        try {
            return yaml ? parseYaml(text, file.toAbsolutePath().getParent())
                    : parse(text, file.toAbsolutePath().getParent());
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses config JSON; relative paths resolve against {@code base}. */
    public static NodeConfig parse(String json, Path base) throws ConfigException {
        ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.ALLOW_COMMENTS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return fromTree(read(mapper, json, "JSON"), base);
    }

    /**
     * Parses config YAML (the same fields; a file named {@code *.yaml} or {@code *.yml} is read
     * this way); relative paths resolve against {@code base}.
     */
    public static NodeConfig parseYaml(String yaml, Path base) throws ConfigException {
        YAMLMapper mapper = new YAMLMapper();
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        return fromTree(read(mapper, yaml, "YAML"), base);
    }

    private static JsonNode read(ObjectMapper mapper, String text, String format) throws ConfigException {
        JsonNode root;
        try {
            if (format.equals("YAML")) {
                // "---" starts another document; only the first would be read, the rest ignored
                List<JsonNode> docs = new java.util.ArrayList<>();
                try (JsonParser p = mapper.getFactory().createParser(text)) {
                    for (JsonNode d; (d = mapper.readTree(p)) != null; ) {
                        docs.add(d);
                    }
                }
                if (docs.size() > 1) {
                    throw new ConfigException("holds " + docs.size() + " YAML documents (separated by '---'); a "
                            + "config is one");
                }
                root = docs.isEmpty() ? null : docs.get(0);
            } else {
                root = mapper.readTree(text);
            }
        } catch (JsonProcessingException e) {
            // Jackson names where an object began as "[Source: REDACTED (...); line: 1, column: 1]"
            String why = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]",
                    "line $1, column $2");
            throw new ConfigException("not valid " + format + ": " + why
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()), e);
        } catch (java.io.IOException e) {
            throw new ConfigException("not valid " + format + ": " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode)) {
            throw new ConfigException("the config must be " + (format.equals("JSON") ? "a JSON object" : "a YAML mapping"));
        }
        return root;
    }

    private static NodeConfig fromTree(JsonNode root, Path base) throws ConfigException {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new ConfigException("unknown field '" + f + "'" + suggestion(f) + "; known fields: "
                        + String.join(", ", new java.util.TreeSet<>(FIELDS)));
            }
        }
        Path dataDir = base.resolve(str(root, "data_dir", "delta-data"));
        HostPort listen = HostPort.parse(str(root, "listen", "127.0.0.1:" + DEFAULT_PORT), "listen");
        Role role;
        String r = str(root, "role", "edge");
        switch (r) {
            case "origin" -> role = Role.ORIGIN;
            case "edge" -> role = Role.EDGE;
            default -> throw new ConfigException("role: must be \"origin\" or \"edge\", got \"" + r + "\"");
        }
        HostPort upstream = root.has("upstream") ? HostPort.parse(str(root, "upstream", null), "upstream") : null;
        if (upstream != null && upstream.port() == 0) {
            throw new ConfigException("upstream: port 0 is not one to connect to");
        }
        if (role == Role.EDGE && upstream == null) {
            throw new ConfigException("upstream: an edge needs an upstream HOST:PORT to follow");
        }
        List<String> datasets = strings(root, "datasets");
        Set<String> seen = new java.util.HashSet<>();
        for (String d : datasets) {
            if (!seen.add(d)) {
                throw new ConfigException("datasets: '" + d + "' is listed twice");
            }
            try {
                Manifest.validateDataset(d);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("datasets: " + e.getMessage());
            }
        }
        if (role == Role.EDGE && datasets.isEmpty()) {
            throw new ConfigException("datasets: an edge must name the datasets it follows");
        }
        int retention = integer(root, "retention", 5);
        if (retention < 1) {
            throw new ConfigException("retention: must keep at least 1 release, got " + retention);
        }
        byte[] secret = null;
        if (root.has("secret") && root.has("secret_file")) {
            throw new ConfigException("secret and secret_file: give one, not both");
        }
        if (root.has("secret")) {
            secret = str(root, "secret", null).getBytes(StandardCharsets.UTF_8);
        } else if (root.has("secret_file")) {
            Path f = base.resolve(str(root, "secret_file", null));
            try {
                secret = Files.readString(f).strip().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException("secret_file: cannot read " + f + ": " + reason(e), e);
            }
        }
        if (secret != null && secret.length < 16) {
            throw new ConfigException("secret: must be at least 16 bytes (use a long random string)");
        }
        Tls tls = null;
        if (root.has("tls")) {
            JsonNode t = root.get("tls");
            if (!t.isObject() || !t.has("cert") || !t.has("key") || !t.has("ca")) {
                throw new ConfigException("tls: needs an object with \"cert\", \"key\" and \"ca\" PEM files");
            }
            knownFields(t, "tls", Set.of("cert", "key", "ca"));
            tls = new Tls(base.resolve(t.get("cert").asText()), base.resolve(t.get("key").asText()),
                    base.resolve(t.get("ca").asText()));
        }
        if (secret == null) {
            throw new ConfigException("secret: a shared secret (\"secret\" or \"secret_file\") is required, with or"
                    + " without \"tls\": every peer proves it knows the secret (TLS encrypts the link, it does not"
                    + " replace that); a node never serves unauthenticated peers");
        }
        Path signing = root.has("signing_key") ? base.resolve(str(root, "signing_key", null)) : null;
        Path trusted = root.has("trusted_key") ? base.resolve(str(root, "trusted_key", null)) : null;
        // Read now: a key that is missing or not a key is a mistake in this file, not something to
        // find on the first sync (and then on every retry).
        if (signing != null) {
            try {
                KeyFiles.readPrivateKey(signing);
            } catch (IOException e) {
                throw new ConfigException("signing_key: " + e.getMessage(), e);
            }
        }
        if (trusted != null) {
            try {
                KeyFiles.readPublicKey(trusted);
            } catch (IOException e) {
                throw new ConfigException("trusted_key: " + e.getMessage(), e);
            }
        }
        boolean follow = root.has("follow") && bool(root, "follow");
        ChunkerParams chunker = ChunkerParams.REPLICATION;
        if (root.has("chunker")) {
            JsonNode c = root.get("chunker");
            if (!c.isObject()) {
                throw new ConfigException("chunker: must be an object with min, avg, max, nc");
            }
            knownFields(c, "chunker", Set.of("min", "avg", "max", "nc"));
            try {
                chunker = new ChunkerParams(integer(c, "min", chunker.min()), integer(c, "avg", chunker.avg()),
                        integer(c, "max", chunker.max()), integer(c, "nc", chunker.normalization()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("chunker: " + e.getMessage());
            }
        }
        int connections = integer(root, "fetch_connections", 1);
        if (connections < 1 || connections > 16) {
            throw new ConfigException("fetch_connections: must be between 1 and 16, got " + connections);
        }
        int maxConnections = integer(root, "max_connections", 0);
        if (root.has("max_connections") && maxConnections < 1) {
            throw new ConfigException("max_connections: must be at least 1, got " + maxConnections);
        }
        return new NodeConfig(dataDir, listen.host(), listen.port(), role, upstream, datasets, strings(root, "ignore"),
                retention, keyId(str(root, "key_id", "default")), secret, tls, signing, trusted, follow, chunker, connections,
                maxConnections);
    }

    /**
     * Why a file could not be read, without the path the JDK repeats as the whole message of a
     * missing file ("no such file", "permission denied", "Is a directory").
     */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Rejects a field of the object {@code what} that is not one of {@code known}. */
    private static void knownFields(JsonNode n, String what, Set<String> known) throws ConfigException {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw new ConfigException(what + ": unknown field '" + f + "'; known fields: "
                        + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }

    private static String str(JsonNode n, String f, String dflt) throws ConfigException {
        JsonNode v = n.get(f);
        if (v == null) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new ConfigException(f + ": must be a string, got " + v.getNodeType().name().toLowerCase());
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String f, int dflt) throws ConfigException {
        JsonNode v = n.get(f);
        if (v == null) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new ConfigException(f + ": must be a whole number, got " + v);
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode n, String f) throws ConfigException {
        JsonNode v = n.get(f);
        if (!v.isBoolean()) {
            throw new ConfigException(f + ": must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static List<String> strings(JsonNode n, String f) throws ConfigException {
        JsonNode v = n.get(f);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw new ConfigException(f + ": must be a list of strings");
        }
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                throw new ConfigException(f + ": must be a list of strings, found " + x);
            }
            out.add(x.asText());
        }
        return List.copyOf(out);
    }

    private static String suggestion(String f) {
        String best = null;
        int bestD = 3;
        for (String k : FIELDS) {
            int d = distance(f, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1,
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
