package dev.delta.node.edge;

import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.store.DatasetStore;
import dev.delta.engine.store.StoreException;
import dev.delta.node.origin.Publisher;
import dev.delta.node.release.ManifestEnvelope;
import dev.delta.protocol.client.ManifestBytes;
import dev.delta.protocol.client.ManifestHeader;
import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ManifestKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an edge checks a whole manifest its upstream sent ({@link Syncer#target}). */
class SyncerTargetTest {
    @TempDir
    Path tmp;
    private byte[] canonical;
    private byte[] root;
    private DatasetStore edge;

    @BeforeEach
    void publishOne() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/a/b"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), "file " + i + "\n".repeat(i));
        }
        Path origin = tmp.resolve("origin");
        new Publisher(origin, "site").publish(tmp.resolve("src"));
        DatasetStore store = DatasetStore.open(origin, "site");
        canonical = store.manifestBytes(1);
        root = store.rootDigest(1);
        edge = DatasetStore.open(tmp.resolve("edge"), "site");
    }

    private Syncer.Target target(byte[] body, byte[] announced) throws Exception {
        ManifestBytes mb = new ManifestBytes(new ManifestHeader(ManifestKind.FULL, 1, body.length,
                Bytes32.of(announced)), new ManifestEnvelope(null, body).encode());
        Syncer s = new Syncer(null, tmp.resolve("edge"));
        return s.target(edge, new Syncer.Local(s, edge, false), "site", 0, mb);
    }

    @Test
    void aCanonicalBodyIsTakenAsTheTargetsEncoding() throws Exception {
        Syncer.Target t = target(canonical, root);
        assertArrayEquals(canonical, t.encoded());
        assertArrayEquals(root, t.root());
        assertEquals(new ManifestCodec().decode(canonical).entries(), t.manifest().entries());
        assertEquals(1, t.manifest().version());
    }

    @Test
    void anotherManifestThanTheAnnouncedOneIsRejected() throws Exception {
        Manifest m = new ManifestCodec().decode(canonical);
        Manifest other = new Manifest(m.dataset(), m.version(), m.parentVersion(), m.createdMillis() + 1,
                m.chunker(), m.entries());
        byte[] body = new ManifestCodec().encode(other); // well formed, canonical, and not what was announced
        StoreException e = assertThrows(StoreException.class, () -> target(body, root));
        assertTrue(e.getMessage().contains("does not match the root digest"), e.getMessage());
    }

    @Test
    void aBodyWhoseDigestIsAnnouncedMustStillBeAWellFormedManifest() throws Exception {
        byte[] junk = "not a manifest at all".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThrows(dev.delta.engine.manifest.ManifestFormatException.class,
                () -> target(junk, ManifestCodec.rootDigest(junk)));
    }
}
