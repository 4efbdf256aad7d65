package dev.delta.node.origin;

import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.store.StoreException;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSigner;
import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.store.DatasetStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublisherTest {
    @TempDir
    Path tmp;

    private Path source() throws IOException {
        Path s = tmp.resolve("src");
        Files.createDirectories(s.resolve("a/b"));
        Files.writeString(s.resolve("a/b/one.txt"), "one ".repeat(5000));
        Files.writeString(s.resolve("two.txt"), "two ".repeat(3000));
        Files.writeString(s.resolve("skip.tmp"), "ignored");
        age(s);
        return s;
    }

    private static void age(Path root) throws IOException {
        try (var st = Files.walk(root)) {
            for (Path p : st.toList()) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(1_700_000_000_000L));
            }
        }
    }

    @Test
    void publish_createsVersionsOnlyWhenSomethingChanged() throws IOException {
        Path src = source();
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site").ignore(List.of("*.tmp"));

        PublishResult r1 = p.publish(src);
        assertTrue(r1.created());
        assertEquals(1, r1.version());
        assertEquals(r1.bytesTotal(), r1.bytesNew());

        PublishResult same = p.publish(src);
        assertFalse(same.created(), "an unchanged tree creates no version");
        assertEquals(1, same.version());

        Files.writeString(src.resolve("three.txt"), "three");
        Files.delete(src.resolve("two.txt"));
        age(src);
        PublishResult r2 = p.publish(src);
        assertTrue(r2.created());
        assertEquals(2, r2.version());
        assertEquals(1, r2.count(ChangeAction.ADD));
        assertEquals(1, r2.count(ChangeAction.DELETE));
        assertEquals(5, r2.bytesNew(), "only three.txt's bytes are new");

        DatasetStore store = DatasetStore.open(data, "site");
        assertEquals(2, store.current().getAsLong());
        assertEquals(dev.delta.engine.chunk.ChunkerParams.REPLICATION, store.manifest(2).chunker(),
                "publishing chunks at the replication default (4 KiB average), docs/node.md");
        assertEquals("three", Files.readString(store.currentLink().resolve("three.txt")));
        assertFalse(Files.exists(store.currentLink().resolve("skip.tmp")));
        assertEquals(Files.readAttributes(store.releaseDir(1).resolve("a/b/one.txt"),
                        java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                Files.readAttributes(store.releaseDir(2).resolve("a/b/one.txt"),
                        java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "unchanged files are hard links into the previous release");
    }

    @Test
    void publish_signsAndRepublishRollsBackWithoutNewBytes() throws Exception {
        Path src = source();
        Path data = tmp.resolve("data");
        KeyPair keys = KeyFiles.generate();
        Publisher p = new Publisher(data, "site").signWith(keys).retention(3);
        p.publish(src);
        Files.writeString(src.resolve("two.txt"), "changed");
        age(src);
        p.publish(src);

        PublishResult back = p.republish(1);
        assertEquals(3, back.version());
        assertEquals(0, back.bytesNew());
        DatasetStore store = DatasetStore.open(data, "site");
        assertEquals(3, store.current().getAsLong());
        assertEquals("two ".repeat(3000), Files.readString(store.currentLink().resolve("two.txt")));
        ManifestSignature sig = ManifestSignature.read(store.root().resolve(".delta/manifests/v3.dm.sig"));
        ManifestSigner.verify(sig, HexFormat.of().parseHex(back.rootDigest()), keys.getPublic());

        PublishResult again = p.republish(1);
        assertFalse(again.created(), "v3 has v1's content already: no version of the same content");
        assertEquals(3, again.version());
        StoreException unsigned = assertThrows(StoreException.class,
                () -> new Publisher(data, "site").retention(3).republish(2));
        assertTrue(unsigned.getMessage().contains("v3 of site is signed; give the signing key"), unsigned.getMessage());
        assertEquals(3, store.latest().getAsLong(), "refused before anything was made");
    }

    /**
     * Once signed, a dataset stays signed: a publish without the key is refused (edges that trust
     * the key would refuse the new version) unless --unsigned says it is meant; and an unsigned
     * current version is signed in place by an unchanged publish that has the key.
     */
    @Test
    void publish_signsAnUnsignedCurrentInPlace_andRefusesToDropTheSignature() throws Exception {
        Path src = source();
        Path data = tmp.resolve("data");
        KeyPair keys = KeyFiles.generate();
        PublishResult first = new Publisher(data, "site").publish(src);
        assertFalse(first.signed());
        DatasetStore store = DatasetStore.open(data, "site");

        PublishResult signedNow = new Publisher(data, "site").signWith(keys).publish(src);
        assertFalse(signedNow.created());
        assertTrue(signedNow.signed() && signedNow.signedNow(), signedNow.toString());
        ManifestSignature sig = ManifestSignature.read(store.signatureFile(1));
        ManifestSigner.verify(sig, store.rootDigest(1), keys.getPublic());
        assertEquals(sig.toText(), dev.delta.node.release.ManifestEnvelope.decode(store.readEnvelope(1))
                .signature().toText(), "a cold edge's stored envelope carries the signature");
        PublishResult again = new Publisher(data, "site").signWith(keys).publish(src);
        assertTrue(again.signed() && !again.signedNow(), "signed already: " + again);

        Files.writeString(src.resolve("two.txt"), "changed");
        age(src);
        StoreException refused = assertThrows(StoreException.class, () -> new Publisher(data, "site").publish(src));
        assertTrue(refused.getMessage().contains("v1 of site is signed; give the signing key"), refused.getMessage());
        assertTrue(refused.getMessage().contains("--unsigned"), refused.getMessage());
        assertEquals(1, store.latest().getAsLong(), "refused before anything was made");

        PublishResult dropped = new Publisher(data, "site").allowUnsigned(true).publish(src);
        assertEquals(2, dropped.version());
        assertFalse(dropped.signed());
        assertFalse(Files.exists(store.signatureFile(2)));
    }

    /**
     * A publish killed between its commit and its switch leaves a complete release that never
     * became current, and no edge was told about it. The next publish removes it and takes its
     * version number; the releases edges hold keep their retention slots.
     */
    @Test
    void publish_replacesAReleaseAKilledPublishCommittedButNeverSwitchedTo() throws Exception {
        Path src = source();
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site").retention(2);
        p.publish(src);
        Files.writeString(src.resolve("two.txt"), "v2");
        age(src);
        p.publish(src);
        Files.writeString(src.resolve("two.txt"), "v3, never current");
        age(src);
        p.publish(src);
        DatasetStore store = DatasetStore.open(data, "site");
        store.switchTo(2); // what a kill between commit and switch leaves: v3 committed, current at v2
        store.markSwitchPending(3);

        Files.writeString(src.resolve("two.txt"), "v3 for real");
        age(src);
        PublishResult r = p.publish(src);
        assertEquals(3, r.version(), "the never-current v3 is replaced, not skipped");
        assertEquals(1, r.count(ChangeAction.UPDATE), "the diff is against v2, the current release");
        assertEquals(List.of(2L, 3L), store.versions(), "v2 keeps its retention slot");
        assertEquals("v3 for real", Files.readString(store.currentLink().resolve("two.txt")));
        assertTrue(store.switchPending().isEmpty());
    }

    /**
     * A failure between commit and switch (here the switch itself: something in the way of the
     * new link) removes the committed release and leaves current as it was.
     */
    @Test
    void publish_failingAfterItsCommit_removesTheReleaseAndLeavesCurrent() throws Exception {
        Path src = source();
        Path data = tmp.resolve("data");
        KeyPair keys = KeyFiles.generate();
        Publisher p = new Publisher(data, "site").signWith(keys);
        p.publish(src);
        DatasetStore store = DatasetStore.open(data, "site");
        Path blocker = store.root().resolve(".current.tmp");
        Files.createDirectories(blocker);
        Files.writeString(blocker.resolve("x"), "in the way of the switch");
        Files.writeString(src.resolve("two.txt"), "changed");
        age(src);
        assertThrows(IOException.class, () -> p.publish(src));
        assertEquals(List.of(1L), store.versions());
        assertEquals(1, store.current().getAsLong());
        assertFalse(Files.exists(store.releaseDir(2)), "the committed v2 is removed");
        assertFalse(Files.exists(store.signatureFile(2)), "with its signature");
        assertTrue(store.switchPending().isEmpty());

        Files.delete(blocker.resolve("x"));
        Files.delete(blocker);
        assertEquals(2, p.publish(src).version());
        assertTrue(store.switchPending().isEmpty());
    }

    /** A signature file of the next version that cannot be cleared refuses the publish before its commit. */
    @Test
    void publish_refusesBeforeItsCommit_whenAStaleSignatureOfTheNextVersionStays() throws Exception {
        Path src = source();
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site");
        p.publish(src);
        DatasetStore store = DatasetStore.open(data, "site");
        Files.createDirectories(store.signatureFile(2).resolve("x"));
        Files.writeString(src.resolve("two.txt"), "changed");
        age(src);
        IOException blocked = assertThrows(IOException.class, () -> p.publish(src));
        assertTrue(blocked.getMessage().contains("v2.dm.sig"), blocked.toString());
        assertEquals(List.of(1L), store.versions());
        assertFalse(Files.exists(store.releaseDir(2)));
    }

    @Test
    void publish_refusedForUnreadablePaths_listsTenAndCountsTheRest() throws Exception {
        Path src = source();
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfifo"));
        for (int i = 0; i < 12; i++) {
            cmd.add(src.resolve("pipe" + i).toString());
        }
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor());
        StoreException e = assertThrows(StoreException.class,
                () -> new Publisher(tmp.resolve("data"), "site").publish(src));
        assertTrue(e.getMessage().startsWith("cannot publish: 12 path(s)"), e.getMessage());
        assertEquals(10, e.getMessage().split("pipe", -1).length - 1, e.getMessage());
        assertTrue(e.getMessage().endsWith("... and 2 more"), e.getMessage());
    }

    @Test
    void publish_refusesASourceThatHoldsTheDataDirectory() throws IOException {
        Path src = source();
        Path data = src.resolve("a/delta-data");
        StoreException e = assertThrows(StoreException.class, () -> new Publisher(data, "site").publish(src));
        assertTrue(e.getMessage().contains("is inside the source"), e.getMessage());
        assertFalse(Files.exists(data), "nothing made");
        assertFalse(Files.exists(src.resolve("a/delta-data")));
    }

    @Test
    void publish_pruneKeepsTheRetainedCount() throws IOException {
        Path src = source();
        Path data = tmp.resolve("data");
        Publisher p = new Publisher(data, "site").retention(2);
        for (int i = 0; i < 4; i++) {
            Files.writeString(src.resolve("n.txt"), "n" + i);
            age(src);
            p.publish(src);
        }
        DatasetStore store = DatasetStore.open(data, "site");
        assertEquals(List.of(3L, 4L), store.versions());
        // packed LZ4 copies follow retention: n0 and n1 only lived in pruned releases, and so did
        // the groups of small files that held them
        java.util.Set<String> held = new java.util.HashSet<>();
        java.util.Set<String> groups = new java.util.HashSet<>();
        for (long v : store.versions()) {
            dev.delta.engine.manifest.Manifest m = store.manifest(v);
            for (dev.delta.engine.manifest.Entry e : m.entries()) {
                if (e.isFile() && e.size() > 0) {
                    held.add(dev.delta.engine.hash.Sha256.hex(e.sha256()) + ".lz4b");
                }
            }
            for (int[] g : dev.delta.engine.plan.FileGroups.of(m)) {
                groups.add(dev.delta.engine.hash.Sha256.hex(dev.delta.engine.plan.FileGroups.key(m, g)) + ".lz4b");
            }
        }
        assertEquals(2, groups.size(), "n.txt is in a group of small files, another one in each release");
        java.util.Set<String> files;
        try (var s = Files.list(data.resolve("site/.delta/lz4"))) {
            files = s.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
        java.util.Set<String> expected = new java.util.HashSet<>(held);
        expected.addAll(groups);
        assertEquals(expected, files);
    }
}
