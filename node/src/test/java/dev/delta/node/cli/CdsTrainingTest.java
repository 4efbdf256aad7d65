package dev.delta.node.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher hides a failed training run (it just starts slower), so it is checked here. */
@Timeout(60)
class CdsTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void trainingRun_publishesServesAndSyncsATinyTree() throws Exception {
        CdsTraining.main(new String[]{tmp.resolve("work").toString()});
        Path edge = tmp.resolve("work/edge/t");
        assertEquals("releases/v2", Files.readSymbolicLink(edge.resolve("current")).toString());
        assertTrue(Files.exists(edge.resolve("current/dir/new")));
    }

    @Test
    void onlyTheNamedSubcommandIsRegistered_butHelpListsThemAll() {
        assertEquals(java.util.Set.of("sync"), Main.commandLine("sync", "--help").getSubcommands().keySet());
        assertEquals(java.util.Set.of("manifest"), Main.commandLine("manifest", "build").getSubcommands().keySet());
        assertEquals(java.util.Set.of("build"), Main.commandLine("manifest", "build").getSubcommands()
                .get("manifest").getSubcommands().keySet());
        int all = Main.commandLine().getSubcommands().size();
        assertEquals(10, all);
        assertEquals(all, Main.commandLine("--help").getSubcommands().size());
        assertEquals(all, Main.commandLine("help", "sync").getSubcommands().size());
        assertEquals(all, Main.commandLine("synk").getSubcommands().size());
    }
}
