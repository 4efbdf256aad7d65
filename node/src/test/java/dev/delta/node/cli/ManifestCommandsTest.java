package dev.delta.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path tree() throws IOException {
        Path t = tmp.resolve("site");
        Files.createDirectories(t.resolve("css"));
        Files.createDirectories(t.resolve("empty"));
        Files.writeString(t.resolve("index.html"), "<html>hello</html>\n".repeat(100));
        Files.writeString(t.resolve("css/site.css"), "body { color: red }\n".repeat(50));
        byte[] big = new byte[300_000];
        new Random(1).nextBytes(big);
        Files.write(t.resolve("big.bin"), big);
        Files.writeString(t.resolve("scratch.tmp"), "ignored");
        Files.writeString(t.resolve(".deltaignore"), "*.tmp\n");
        Files.createSymbolicLink(t.resolve("home.html"), Path.of("index.html"));
        Files.setPosixFilePermissions(t.resolve("css/site.css"), PosixFilePermissions.fromString("rw-------"));
        // Files written this very second are "racily clean" for a stat cache; age them like a real tree.
        FileTime past = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        try (var s = Files.walk(t)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, past);
                }
            }
        }
        return t;
    }

    private Path build(Path dir, String name, String... extra) {
        Path out = tmp.resolve(name);
        String[] args = new String[5 + extra.length];
        args[0] = "manifest";
        args[1] = "build";
        args[2] = dir.toString();
        args[3] = "-o";
        args[4] = out.toString();
        System.arraycopy(extra, 0, args, 5, extra.length);
        CliRunner r = CliRunner.run(args);
        assertEquals(0, r.code(), r.toString());
        return out;
    }

    @Test
    void build_thenShowJson_listsEveryEntryAndChunk() throws IOException {
        Path m = build(tree(), "v1.dm");
        CliRunner r = CliRunner.run("manifest", "show", m.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode root = JSON.readTree(r.out());
        JsonNode entries = root.get("entries");
        StringBuilder paths = new StringBuilder();
        entries.forEach(e -> paths.append(e.get("path").asText()).append(' '));
        assertEquals(".deltaignore big.bin css css/site.css empty home.html index.html ", paths.toString(),
                "ignored scratch.tmp is absent, the empty dir and the symlink are present");
        JsonNode big = entries.get(1);
        long sum = 0;
        for (JsonNode c : big.get("chunks")) {
            assertEquals(sum, c.get("offset").asLong());
            assertEquals(32, c.get("id").asText().length());
            sum += c.get("length").asLong();
        }
        assertEquals(300_000, sum);
        assertTrue(big.get("chunks").size() > 3, "300 kB of random data is more than three 16 KiB-average chunks");
    }

    @Test
    void show_tablePrintsHeaderAndPaths() throws IOException {
        Path m = build(tree(), "v1.dm");
        CliRunner r = CliRunner.run("manifest", "show", m.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("dataset   site"), r.out());
        assertTrue(r.out().contains("home.html -> index.html"), r.out());
        assertTrue(r.out().contains("0600"), "mode of css/site.css: " + r.out());
    }

    @Test
    void diff_reportsChangesAndExitsOne() throws IOException {
        Path t = tree();
        Path v1 = build(t, "v1.dm");
        Files.writeString(t.resolve("index.html"), "<html>changed</html>\n".repeat(100));
        Files.move(t.resolve("big.bin"), t.resolve("renamed.bin"));
        Files.delete(t.resolve("css/site.css"));
        Path v2 = build(t, "v2.dm", "--version", "2", "--parent", "1");

        CliRunner text = CliRunner.run("manifest", "diff", v1.toString(), v2.toString());
        assertEquals(1, text.code(), text.toString());
        assertTrue(text.out().contains("update       index.html"), text.out());
        assertTrue(text.out().contains("delete       css/site.css"), text.out());

        CliRunner json = CliRunner.run("manifest", "diff", v1.toString(), v2.toString(), "--json");
        assertEquals(1, json.code(), json.toString());
        JsonNode root = JSON.readTree(json.out());
        boolean sawUpdate = false;
        for (JsonNode c : root.get("changes")) {
            if (c.get("path").asText().equals("index.html")) {
                assertEquals("update", c.get("action").asText());
                assertEquals(64, c.get("hash").asText().length());
                sawUpdate = true;
            }
        }
        assertTrue(sawUpdate);
        JsonNode transfer = root.get("transfer");
        assertEquals(Files.size(t.resolve("index.html")), transfer.get("bytes_to_fetch").asLong(),
                "the renamed 300 kB file costs nothing; only the rewritten index.html is fetched");
        assertEquals(300_000, transfer.get("bytes_reused_local").asLong());
    }

    @Test
    void diff_ofIdenticalManifestsExitsZero() throws IOException {
        Path t = tree();
        Path v1 = build(t, "v1.dm");
        Path again = build(t, "again.dm");
        CliRunner r = CliRunner.run("manifest", "diff", v1.toString(), again.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("0 added, 0 updated, 0 deleted"), r.out());
    }

    @Test
    void stats_countsFilesAndDedup() throws IOException {
        Path t = tree();
        Files.copy(t.resolve("big.bin"), t.resolve("copy.bin"));
        Path m = build(t, "v1.dm");
        CliRunner r = CliRunner.run("manifest", "stats", m.toString(), "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode s = JSON.readTree(r.out());
        assertEquals(5, s.get("files").asInt());
        assertEquals(1, s.get("symlinks").asInt());
        assertTrue(s.get("dedup_ratio").asDouble() > 1.9, "the copy dedups: " + s);
        assertTrue(s.get("histogram").size() > 0);
    }

    @Test
    void verify_matchesThenListsEachDifference() throws IOException {
        Path t = tree();
        Path m = build(t, "v1.dm");
        CliRunner ok = CliRunner.run("manifest", "verify", m.toString(), t.toString());
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().startsWith("OK"), ok.out());

        Files.writeString(t.resolve("index.html"), "tampered");
        Files.writeString(t.resolve("extra.txt"), "new");
        Files.delete(t.resolve("home.html"));
        Files.setPosixFilePermissions(t.resolve("big.bin"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setLastModifiedTime(t.resolve("big.bin"), FileTime.fromMillis(0));
        CliRunner bad = CliRunner.run("manifest", "verify", m.toString(), t.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.out().contains("content     index.html"), bad.out());
        assertTrue(bad.out().contains("extra       extra.txt"), bad.out());
        assertTrue(bad.out().contains("missing     home.html"), bad.out());
        assertTrue(bad.out().contains("mode expected 0644, found 0777"), bad.out());
        assertTrue(bad.out().contains("mtime expected"), bad.out());

        CliRunner js = CliRunner.run("manifest", "verify", "--json", m.toString(), t.toString());
        assertEquals(1, js.code(), js.toString());
        JsonNode doc = JSON.readTree(js.out());
        assertFalse(doc.get("match").asBoolean());
        Map<String, JsonNode> byKind = new HashMap<>();
        for (JsonNode d : doc.get("differences")) {
            byKind.put(d.get("kind").asText() + " " + d.get("path").asText(), d);
        }
        assertEquals(Set.of("content index.html", "extra extra.txt", "missing home.html", "mode big.bin",
                "mtime big.bin"), byKind.keySet(), js.out());
        assertEquals("0644", byKind.get("mode big.bin").get("expected").asText());
        assertEquals("0777", byKind.get("mode big.bin").get("found").asText());
        assertEquals("1970-01-01T00:00:00Z", byKind.get("mtime big.bin").get("found").asText());
        assertTrue(byKind.get("content index.html").get("found").asText().startsWith("8 bytes sha256 "), js.out());
        assertEquals("symlink", byKind.get("missing home.html").get("expected").asText());
        assertFalse(byKind.get("missing home.html").has("found"), js.out());
    }

    /**
     * A manifest built with other ignore rules than the tree's own file (a publish with a config's
     * negations, here --no-ignore-file) lists paths that file leaves out. verify checks every
     * listed path anyway, and the rules still hide unlisted ones, also inside a listed directory
     * the rules exclude.
     */
    @Test
    void verify_checksListedPathsTheTreesIgnoreFileWouldLeaveOut() throws IOException {
        Path t = tree();
        Files.createDirectories(t.resolve("cache"));
        Files.writeString(t.resolve("cache/keep.dat"), "kept");
        Files.writeString(t.resolve(".deltaignore"), "*.tmp\ncache/\n");
        Files.setLastModifiedTime(t.resolve("cache/keep.dat"), FileTime.fromMillis(1_600_000_000_000L));
        Path m = build(t, "all.dm", "--no-ignore-file");
        CliRunner ok = CliRunner.run("manifest", "verify", m.toString(), t.toString());
        assertEquals(0, ok.code(), ok.toString());

        Files.writeString(t.resolve("cache/junk.dat"), "not listed, ignored");
        Files.writeString(t.resolve("other.tmp"), "not listed, ignored");
        Files.writeString(t.resolve("scratch.tmp"), "listed, changed");
        Files.delete(t.resolve("cache/keep.dat"));
        CliRunner js = CliRunner.run("manifest", "verify", "--json", "--ignore-times", m.toString(), t.toString());
        assertEquals(1, js.code(), js.toString());
        Set<String> found = new java.util.TreeSet<>();
        for (JsonNode d : JSON.readTree(js.out()).get("differences")) {
            found.add(d.get("kind").asText() + " " + d.get("path").asText());
        }
        assertEquals(Set.of("content scratch.tmp", "missing cache/keep.dat"), found, js.out());
    }

    /** The manifest file gets the mode any new file gets here (the umask's), not a temp file's 0600. */
    @Test
    void build_outputFollowsTheUmask() throws IOException {
        Path m = build(tree(), "v1.dm");
        Path plain = Files.createFile(tmp.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(m));
        assertTrue(Files.getPosixFilePermissions(m).contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList(),
                    "no temporary file left beside the manifest");
        }
    }

    @Test
    void build_withCache_secondRunReadsNothing() throws IOException {
        Path t = tree();
        Path cache = tmp.resolve("cache");
        build(t, "v1.dm", "--cache", cache.toString());
        Path out = tmp.resolve("v2.dm");
        CliRunner r = CliRunner.run("manifest", "build", t.toString(), "-o", out.toString(), "--cache", cache.toString(),
                "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode s = JSON.readTree(r.out());
        assertEquals(0, s.get("bytes_read").asLong(), r.out());
        assertEquals(4, s.get("cache_hits").asLong(), r.out());
        assertEquals(Files.readAllBytes(tmp.resolve("v1.dm")).length, s.get("manifest_bytes").asLong());
    }

    /** A manifest written inside the tree it describes is left out of it: the tree verifies. */
    @Test
    void build_intoTheTreeItself_leavesItsOwnOutputOut() throws IOException {
        Path t = tree();
        Path self = t.resolve("self[1].dm"); // a glob character in the name is taken literally
        for (int i = 0; i < 2; i++) {
            CliRunner r = CliRunner.run("manifest", "build", t.toString(), "-o", self.toString());
            assertEquals(0, r.code(), r.toString());
        }
        CliRunner show = CliRunner.run("manifest", "show", self.toString());
        assertFalse(show.out().contains("self[1].dm"), show.out());
        CliRunner ok = CliRunner.run("manifest", "verify", self.toString(), t.toString());
        assertEquals(0, ok.code(), "the second build verifies against the tree it is in: " + ok);
    }

    @Test
    void build_rejectsBadChunkerParametersAsUsageError() throws IOException {
        Path t = tree();
        CliRunner r = CliRunner.run("manifest", "build", t.toString(), "--avg", "10000");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("power of two"), r.err());
        CliRunner size = CliRunner.run("manifest", "build", t.toString(), "--min", "lots");
        assertEquals(2, size.code(), size.toString());
        assertTrue(size.err().contains("not a size"), size.err());
    }

    @Test
    void build_ofMissingDirIsUsageError() {
        CliRunner r = CliRunner.run("manifest", "build", tmp.resolve("nope").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no such directory"), r.err());
    }

    /** With --json, a usage error too prints its object on stdout: a script never reads an empty string. */
    @Test
    void usageErrorsWithJson_printTheErrorObject() throws IOException {
        Path m = build(tree(), "v1.dm");
        CliRunner diff = CliRunner.run("manifest", "diff", m.toString(), "--json"); // NEW is missing
        assertEquals(2, diff.code(), diff.toString());
        JsonNode d = JSON.readTree(diff.out());
        assertEquals(2, d.get("exit_code").asInt(), diff.out());
        assertTrue(d.get("error").asText().contains("NEW"), diff.out());
        CliRunner verify = CliRunner.run("manifest", "verify", m.toString(), tmp.resolve("nodir").toString(), "--json");
        assertEquals(2, verify.code(), verify.toString());
        assertEquals("no such directory: " + tmp.resolve("nodir"), JSON.readTree(verify.out()).get("error").asText());
        CliRunner plain = CliRunner.run("manifest", "diff", m.toString());
        assertEquals("", plain.out(), "without --json, stdout stays empty");
    }

    /** A missing command is a usage error (exit 2), with the overview on stderr. */
    @Test
    void noCommandIsAUsageError() {
        for (String[] cmd : new String[][]{{}, {"manifest"}}) {
            CliRunner r = CliRunner.run(cmd);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("Usage:") && r.err().contains("no "), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void build_outputThatIsADirectoryIsUsageError() throws IOException {
        Path t = tree();
        Path dir = Files.createDirectories(tmp.resolve("outdir"));
        CliRunner r = CliRunner.run("manifest", "build", t.toString(), "-o", dir.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("is a directory; give the manifest file's name"), r.err());
        CliRunner k = CliRunner.run("keygen", "-o", dir + "/");
        assertEquals(2, k.code(), k.toString());
        try (var l = Files.list(dir)) {
            assertEquals(0, l.count(), "keygen wrote no hidden .key/.pub into the directory");
        }
    }

    @Test
    void show_ofCorruptOrTruncatedManifestIsBadInputNamingTheFile() throws IOException {
        Path m = build(tree(), "v1.dm");
        byte[] b = Files.readAllBytes(m);
        Path truncated = tmp.resolve("truncated.dm");
        Files.write(truncated, java.util.Arrays.copyOf(b, b.length / 2));
        CliRunner r = CliRunner.run("manifest", "show", truncated.toString());
        assertEquals(3, r.code(), r.toString());
        assertTrue(r.err().contains("truncated.dm"), r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());

        Path garbage = tmp.resolve("garbage.dm");
        Files.writeString(garbage, "this is not a manifest");
        CliRunner g = CliRunner.run("manifest", "stats", garbage.toString());
        assertEquals(3, g.code(), g.toString());

        CliRunner missing = CliRunner.run("manifest", "show", tmp.resolve("absent.dm").toString());
        assertEquals(3, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void unknownCommandIsUsageErrorAndHelpWorksEverywhere() {
        assertEquals(2, CliRunner.run("manifest", "frobnicate").code());
        for (String[] cmd : new String[][]{{"--help"}, {"manifest", "--help"}, {"manifest", "build", "--help"},
                {"manifest", "show", "--help"}, {"manifest", "diff", "--help"}, {"manifest", "stats", "--help"},
                {"manifest", "verify", "--help"}, {"manifest", "sign", "--help"}, {"manifest", "check", "--help"},
                {"keygen", "--help"}, {"demo", "--help"}}) {
            CliRunner r = CliRunner.run(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.out().contains("Usage:"), r.out());
        }
    }

    @Test
    void onlyTheNamedSubcommandIsBuilt_butHelpAndSuggestionsSeeThemAll() {
        // Main builds the model of the named subcommand only; everything that lists commands must still see all.
        CliRunner top = CliRunner.run("--help");
        for (String c : new String[]{"serve", "publish", "sync", "rollback", "status", "manifest", "keygen", "demo", "bench", "help"}) {
            assertTrue(top.out().contains("  " + c + " ") || top.out().contains("  " + c + "\n"), c + " missing: " + top.out());
        }
        CliRunner manifest = CliRunner.run("manifest", "--help");
        for (String c : new String[]{"build", "show", "diff", "stats", "verify", "sign", "check"}) {
            assertTrue(manifest.out().contains("  " + c + " "), c + " missing: " + manifest.out());
        }
        CliRunner helpSync = CliRunner.run("help", "sync");
        assertEquals(0, helpSync.code(), helpSync.toString());
        assertTrue(helpSync.out().contains("Usage: delta sync"), helpSync.out());
        CliRunner typo = CliRunner.run("manifest", "biuld");
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("build"), "suggests the near miss: " + typo.err());
        CliRunner typoTop = CliRunner.run("snyc");
        assertEquals(2, typoTop.code());
        assertTrue(typoTop.err().contains("'snyc'"), typoTop.err());
        CliRunner nested = CliRunner.run("manifest", "build", "--help");
        assertTrue(nested.out().contains("Usage: delta manifest build"), nested.out());
    }
}
