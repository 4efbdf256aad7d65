package dev.delta.node.serve;

import dev.delta.node.config.NodeConfig;
import dev.delta.node.origin.Publisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NothingToServeTest {
    @TempDir
    Path tmp;

    /** An origin started on a mistyped data_dir or dataset says, at the start, that it has nothing to serve. */
    @Test
    void anOriginWithoutReleasesSaysSo() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        NodeConfig all = NodeConfig.parse("{\"role\": \"origin\", \"data_dir\": \"data\", \"secret\": "
                + "\"a-long-enough-secret\"}", tmp);
        Optional<String> w = Node.nothingToServe(all);
        assertTrue(w.isPresent() && w.get().startsWith("no dataset in " + data + " has a release yet"), w.toString());

        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a"), "a");
        new Publisher(data, "site").publish(src);
        assertEquals(Optional.empty(), Node.nothingToServe(all));
        NodeConfig typo = NodeConfig.parse("{\"role\": \"origin\", \"data_dir\": \"data\", \"secret\": "
                + "\"a-long-enough-secret\", \"datasets\": [\"site\", \"stie\"]}", tmp);
        w = Node.nothingToServe(typo);
        assertTrue(w.isPresent() && w.get().startsWith("no release of stie in " + data + " yet"), w.toString());
    }
}
