package dev.delta.node.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeftoversTest {
    @TempDir
    Path tmp;

    private Path tree(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name).resolve("sub"));
        Files.writeString(d.resolve("f"), name);
        return tmp.resolve(name);
    }

    /** With room enough, a finished step's tree is not deleted before the next step, whatever it holds. */
    @Test
    void withRoom_finishedTreesStay() throws Exception {
        StringWriter said = new StringWriter();
        Leftovers l = new Leftovers(() -> 10L << 30, new PrintWriter(said));
        Path a = tree("delta");
        Path b = tree("rsync");
        l.retire(a);
        l.retire(b);
        l.retire(tmp.resolve("never-made"));
        l.makeRoom(1L << 30);

        assertTrue(Files.isRegularFile(a.resolve("sub/f")));
        assertTrue(Files.isRegularFile(b.resolve("sub/f")));
        assertEquals(List.of(a, b), l.kept(), "a missing tree is not kept");
        assertEquals("", said.toString());
    }

    /** Short of room, every leftover goes before the next step, and the runner says why. */
    @Test
    void shortOfRoom_leftoversGoAtOnce_withANote() throws Exception {
        StringWriter said = new StringWriter();
        AtomicLong free = new AtomicLong(10L << 30);
        Leftovers l = new Leftovers(free::get, new PrintWriter(said));
        Path a = tree("delta");
        Path b = tree("delta-edge");
        Path data = tree("data");
        l.retire(a);
        l.retire(b);
        l.makeRoom(4L << 30);
        assertTrue(Files.exists(a) && Files.exists(b));

        free.set(3L << 30);
        l.makeRoom(4L << 30);

        assertFalse(Files.exists(a));
        assertFalse(Files.exists(b));
        assertTrue(Files.isRegularFile(data.resolve("sub/f")), "only retired trees are removed");
        assertEquals(List.of(), l.kept());
        assertTrue(said.toString().contains("3,072 MB free"), said.toString());
        assertTrue(said.toString().contains("4,096 MB"), said.toString());
    }
}
