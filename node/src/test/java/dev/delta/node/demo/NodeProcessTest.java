package dev.delta.node.demo;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeProcessTest {
    private static final List<String> LAUNCHER = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Dchronicle.analytics.disable=true",
            "-XX:SharedArchiveFile=/x/delta.jsa", "-Xlog:cds=off", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:ArchiveRelocationMode=0", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:CompilerDirectivesFile=/x/jit-directives.json", "-XX:-DisplayVMOutput", "-Xmx2g",
            "-Dsome.test.property=1", "-Ddelta.spare=false");

    @Test
    void childrenStartAsTheLauncherStartsThatCommand() {
        assertEquals(List.of("--add-opens=java.base/java.lang=ALL-UNNAMED", "-Dchronicle.analytics.disable=true",
                        "-XX:SharedArchiveFile=/x/delta.jsa", "-Xlog:cds=off", "-XX:+UnlockDiagnosticVMOptions",
                        "-XX:ArchiveRelocationMode=0", "-XX:+UnlockDiagnosticVMOptions",
                        "-XX:CompilerDirectivesFile=/x/jit-directives.json", "-XX:-DisplayVMOutput",
                        "-Ddelta.spare=false"),
                NodeProcess.inherited(LAUNCHER), "the launcher's options, compiler directives included, in order,"
                        + " and Delta's own switches");
    }

    @Test
    void aNodeRunsTheLaunchersCollector_otherCommandsTheDefault_unlessTheCallerNamesOne() {
        assertTrue(NodeProcess.deltaCommand("serve", "--config", "x.json").contains(NodeProcess.NODE_GC));
        assertFalse(NodeProcess.deltaCommand("sync", "--data", "d").contains(NodeProcess.NODE_GC));
        List<String> chosen = NodeProcess.deltaCommand(List.of("-XX:+UseG1GC"), "serve", "--config", "x.json");
        assertFalse(chosen.contains(NodeProcess.NODE_GC), chosen.toString());
        assertTrue(chosen.contains("-XX:+UseG1GC"), chosen.toString());
    }
}
