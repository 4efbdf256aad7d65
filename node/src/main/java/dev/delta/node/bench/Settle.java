package dev.delta.node.bench;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How every tool's step of a scenario starts ({@link Shell#settle}): dirty pages written back,
 * {@code quietMillis} with nothing running, then {@code warmBytes} of freshly used memory for the
 * step's writes. The same for every tool of a scenario.
 */
record Settle(long quietMillis, long warmBytes) {
    /** Nothing to wait for and nothing to warm: the small scale, whose steps write too little. */
    static final Settle NONE = new Settle(0, 0);

    /**
     * The start of the steps of a scenario whose new tree holds {@code treeBytes}, at a scale that
     * waits {@code quietMillis}: memory for every receiver's copy of the tree and the origin's, a
     * quarter more for packed copies and temporary files; none when the scale does not wait.
     */
    static Settle of(long quietMillis, int receivers, long treeBytes) {
        return quietMillis <= 0 ? NONE : new Settle(quietMillis, (receivers + 1L) * treeBytes / 4 * 5);
    }

    /** Brings the machine to this start; {@code scratchDir} holds the warm-up file if memory cannot. */
    void apply(Path scratchDir) throws IOException, InterruptedException {
        Shell.settle(quietMillis, warmBytes, scratchDir);
    }
}
