package dev.delta.node.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    /** A log line written to stderr while the bar is drawn starts on a cleared line, not after the bar. */
    @Test
    void aLineWrittenToStderrClearsTheBarFirst() {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream terminal = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        System.setErr(terminal);
        try {
            try (ProgressBar bar = new ProgressBar("scanning", System.err, true)) {
                bar.update(1, 4, 1 << 20, 4 << 20);
                bar.paint();
                System.err.println("INFO Publisher - site: packed 4 files");
                System.err.println("INFO Publisher - site: published v1");
            }
            assertSame(terminal, System.err, "stderr is given back when the bar closes");
            String out = bytes.toString(StandardCharsets.UTF_8);
            int bar = out.indexOf("scanning [");
            int log = out.indexOf("INFO Publisher - site: packed");
            assertTrue(bar >= 0 && log > bar, out);
            assertEquals("\r\u001b[K", out.substring(log - 4, log), "the bar's line is cleared before the log line");
            assertEquals(1, out.split("\r\u001b\\[K", -1).length - 1, "cleared once: not again for the second line");
        } finally {
            System.setErr(saved);
        }
    }
}
