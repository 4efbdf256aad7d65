package dev.delta.node.release;

import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.ManifestCodec;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSigner;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.origin.Publisher;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.wire.ManifestKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publish stores the full manifest as a node sends it to a cold edge (compressed, signed);
 * the node serves it as stored, unless it no longer matches the release, and pruning removes it.
 */
class StoredEnvelopeTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private Path src;
    private Path data;

    private Publisher publishOne(Publisher pub) throws Exception {
        src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 60; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), ("line " + i + "\n").repeat(100));
        }
        pub.publish(src);
        return pub;
    }

    private byte[] served(long version) throws Exception {
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of());
             ManifestStream s = svc.openManifest("site", version, 0)) {
            assertEquals(ManifestKind.FULL, s.kind());
            return s.content().readAllBytes();
        }
    }

    /** What a cold edge gets must be the release's manifest, whatever the node served it from. */
    private static void assertHolds(DatasetStore store, long version, byte[] payload, ManifestSignature sig)
            throws Exception {
        ManifestEnvelope env = ManifestEnvelope.decode(payload);
        assertArrayEquals(store.manifestBytes(version), env.body());
        assertEquals(sig == null ? null : sig.toText(), env.signature() == null ? null : env.signature().toText());
    }

    @Test
    void publish_storesTheEnvelope_theNodeServesItAsStored_andPruningRemovesIt() throws Exception {
        data = tmp.resolve("data");
        Publisher pub = publishOne(new Publisher(data, "site").retention(1));
        DatasetStore store = DatasetStore.open(data, "site");
        byte[] stored = store.readEnvelope(1);
        assertNotNull(stored, "v1's publish stored its envelope");
        assertHolds(store, 1, stored, null);
        assertArrayEquals(stored, served(1), "served as stored");
        // the plain form is valid too, and a node compressing anew would not send it: this one is read
        byte[] plain = new ManifestEnvelope(null, store.manifestBytes(1)).encode(false);
        store.writeEnvelope(1, plain);
        assertArrayEquals(plain, served(1), "the stored envelope is what goes out");
        Files.writeString(src.resolve("f7.txt"), "changed\n");
        pub.publish(src); // v2; retention 1 prunes v1
        assertNull(store.readEnvelope(1), "removed with v1");
        assertNotNull(store.readEnvelope(2));
    }

    /** v1 of "site" published, unsigned, into {@link #data}. */
    private DatasetStore publishedV1() throws Exception {
        data = tmp.resolve("data");
        publishOne(new Publisher(data, "site"));
        return DatasetStore.open(data, "site");
    }

    /** The envelope with one bit flipped inside its compressed body. */
    private static byte[] damaged(byte[] envelope) {
        byte[] bad = envelope.clone();
        bad[bad.length - 5] ^= 0x40;
        return bad;
    }

    /** Signs v1 after its publish, as an operator adding a key later would. */
    private static ManifestSignature signV1(DatasetStore store) throws Exception {
        KeyPair keys = KeyFiles.generate();
        ManifestSignature sig = ManifestSigner.sign(ManifestCodec.rootDigest(store.manifestBytes(1)), keys);
        sig.write(store.root().resolve(".delta/manifests/v1.dm.sig"));
        return sig;
    }

    @Test
    void damagedOrStaleEnvelope_isNotServed_theNodeCompressesTheManifest() throws Exception {
        DatasetStore store = publishedV1();
        byte[] good = store.readEnvelope(1);
        byte[] bad = damaged(good);
        store.writeEnvelope(1, bad);
        byte[] payload = served(1);
        assertFalse(java.util.Arrays.equals(bad, payload), "the damaged envelope is not sent");
        assertHolds(store, 1, payload, null);

        // signed after the publish: the stored, unsigned envelope is not what an edge must get
        store.writeEnvelope(1, good);
        ManifestSignature sig = signV1(store);
        assertHolds(store, 1, served(1), sig);
    }

    @Test
    void signedPublish_storesTheSignedEnvelope() throws Exception {
        data = tmp.resolve("data");
        KeyPair keys = KeyFiles.generate();
        publishOne(new Publisher(data, "site").signWith(keys));
        DatasetStore store = DatasetStore.open(data, "site");
        byte[] stored = store.readEnvelope(1);
        ManifestSignature sig = ManifestEnvelope.decode(stored).signature();
        assertNotNull(sig, "the stored envelope carries the signature");
        assertHolds(store, 1, stored, sig);
        assertArrayEquals(stored, served(1));
    }

    @Test
    void nodeStoresTheEnvelope_onlyWhereNoneThatMatchesIsStored() throws Exception {
        DatasetStore store = publishedV1();
        byte[] published = store.readEnvelope(1);
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of())) {
            assertFalse(svc.storeEnvelope("site", 1), "a matching envelope is kept");
            assertArrayEquals(published, store.readEnvelope(1));

            Files.delete(store.root().resolve(".delta/manifests/v1.dme"));
            assertTrue(svc.storeEnvelope("site", 1), "a missing one is stored");
            assertHolds(store, 1, store.readEnvelope(1), null);

            store.writeEnvelope(1, damaged(store.readEnvelope(1)));
            assertTrue(svc.storeEnvelope("site", 1), "a damaged one is replaced");
            assertHolds(store, 1, store.readEnvelope(1), null);

            ManifestSignature sig = signV1(store);
            assertTrue(svc.storeEnvelope("site", 1), "an unsigned one is replaced once the release is signed");
            assertHolds(store, 1, store.readEnvelope(1), sig);
            assertFalse(svc.storeEnvelope("site", 1));
        }
    }
}
