package dev.delta.node.demo;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
