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
        assertEquals(SyncCommand.class, Main.subcommand("sync"));
        assertEquals(1, Main.commandLine("sync", "--help").getSubcommands().size());
        assertEquals(Main.SUBCOMMANDS.size(), Main.commandLine("--help").getSubcommands().size());
        assertEquals(Main.SUBCOMMANDS.size(), Main.commandLine("help", "sync").getSubcommands().size());
        assertEquals(Main.SUBCOMMANDS.size(), Main.commandLine("synk").getSubcommands().size());
    }
}
