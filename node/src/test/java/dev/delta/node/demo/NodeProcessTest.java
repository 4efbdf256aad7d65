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

    @Test
    void aNodesHeapIsCommittedAndTouchedAtStart_asMuchAsItsMaximum_unlessTheCallerSaysOtherwise() {
        List<String> node = NodeProcess.deltaCommand("serve", "--config", "x.json");
        assertTrue(node.containsAll(List.of("-Xmx256m", "-Xms256m", "-XX:+AlwaysPreTouch")), node.toString());
        List<String> bigger = NodeProcess.deltaCommand(List.of("-Xmx1g"), "serve", "--config", "x.json");
        assertTrue(bigger.contains("-Xms1g") && !bigger.contains("-Xms256m"), bigger.toString());
        assertTrue(bigger.indexOf("-Xmx1g") > bigger.indexOf("-Xmx256m"), "the caller's maximum comes last: " + bigger);
        List<String> own = NodeProcess.deltaCommand(List.of("-Xms64m", "-XX:-AlwaysPreTouch"), "serve", "--config", "x.json");
        assertFalse(own.contains("-Xms256m") || own.contains("-XX:+AlwaysPreTouch"), own.toString());
        List<String> sync = NodeProcess.deltaCommand("sync", "--data", "d");
        assertFalse(sync.contains("-XX:+AlwaysPreTouch") || sync.stream().anyMatch(o -> o.startsWith("-Xms")), sync.toString());
    }
}
