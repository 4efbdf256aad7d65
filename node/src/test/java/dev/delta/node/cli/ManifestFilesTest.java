package dev.delta.node.cli;

import dev.delta.engine.manifest.ManifestFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestFilesTest {
    /**
     * A device or a pipe reports a size of 0: the read stops at the limit instead of filling the
     * heap ('delta manifest show /dev/zero' ran out of memory after 18 s).
     */
    @Test
    @Timeout(10)
    void aFileThatNeverEnds_isReadOnlyUpToTheLimit() {
        Path zero = Path.of("/dev/zero");
        ManifestFormatException e = assertThrows(ManifestFormatException.class, () -> ManifestFiles.read(zero, 4096));
        assertTrue(e.getMessage().contains("/dev/zero: longer than a manifest may be (4096 bytes)"), e.getMessage());
    }
}
