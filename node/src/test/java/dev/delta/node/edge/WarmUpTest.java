package dev.delta.node.edge;

import dev.delta.node.origin.Publisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmUpTest {
    /**
     * A tree of this many files, not the warm-up's 2,000: the same steps, a tenth of the files made
     * and deleted (deleting tens of thousands of files slowed the disk for the tests after these).
     */
    private static final int FILES = 200;

    @TempDir
    Path tmp;

    @Test
    void aGeneratedUpdate_isPublishedServedAndSynced_andTheScratchDirectoryGoes() throws Exception {
        Path scratch = tmp.resolve(WarmUp.SCRATCH);
        Files.createDirectories(scratch.resolve("left/over")); // a crash's leftovers are removed first
        WarmUp.Result r = WarmUp.run(scratch, () -> false, FILES);
        assertNotNull(r);
        assertTrue(r.filesUpdated() >= FILES * 6 / 10, "the edited files: " + r.filesUpdated());
        assertTrue(r.filesAdded() >= FILES / 10 && r.filesDeleted() >= FILES / 10, r.toString());
        // the chunks an edit touched are fetched; they travel as patches against the old copies
        assertTrue(r.bytesFetched() > 0 && r.wireReceived() < r.bytesFetched() / 4, r.toString());
        assertFalse(Files.exists(scratch), "nothing left in the data directory");
    }

    @Test
    void itIsWorthIt_onlyForADatasetOfMoreFilesThanItsOwnTree() throws Exception {
        Path data = tmp.resolve("data");
        Path small = Files.createDirectories(tmp.resolve("small"));
        Files.writeString(small.resolve("a.txt"), "a");
        new Publisher(data, "small").scratch().publish(small);
        assertFalse(WarmUp.worthIt(data, List.of()), "one file");
        assertFalse(WarmUp.worthIt(data, List.of("absent")), "no such dataset");
        Path big = Files.createDirectories(tmp.resolve("big"));
        for (int i = 0; i <= FILES; i++) {
            Files.writeString(big.resolve("f" + i), Integer.toString(i));
        }
        new Publisher(data, "big").scratch().publish(big);
        assertTrue(WarmUp.worthIt(data, List.of(), FILES), "any dataset of the data directory");
        assertTrue(WarmUp.worthIt(data, List.of("big"), FILES));
        assertFalse(WarmUp.worthIt(data, List.of("small"), FILES), "only the datasets named");
        assertFalse(WarmUp.worthIt(data, List.of("big")), "not above the warm-up's own tree");
    }

    @Test
    void aNewVersion_cutsItShort_andNothingIsLeft() throws Exception {
        Path scratch = tmp.resolve(WarmUp.SCRATCH);
        AtomicInteger checks = new AtomicInteger();
        assertNull(WarmUp.run(scratch, () -> checks.incrementAndGet() > 1, FILES), "stopped at its second check");
        assertEquals(2, checks.get(), "it stopped as soon as it was told to");
        assertFalse(Files.exists(scratch));
    }
}
