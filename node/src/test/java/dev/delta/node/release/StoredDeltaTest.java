package dev.delta.node.release;

import dev.delta.engine.manifest.ManifestDelta;
import dev.delta.engine.manifest.ManifestLimits;
import dev.delta.engine.store.DatasetStore;
import dev.delta.node.origin.Publisher;
import dev.delta.protocol.server.ManifestStream;
import dev.delta.protocol.wire.ManifestKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publish stores the manifest delta from the previous release; the node serves it, unless it is damaged. */
class StoredDeltaTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private Path src;
    private Path data;
    private Publisher pub;

    private void publishThree() throws Exception {
        src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 40; i++) {
            Files.writeString(src.resolve("f" + i + ".txt"), ("line " + i + "\n").repeat(200));
        }
        data = tmp.resolve("data");
        pub = new Publisher(data, "site").retention(2);
        pub.publish(src);
        Files.writeString(src.resolve("f3.txt"), "changed\n");
        pub.publish(src);
    }

    private static byte[] served(ReleaseService svc, long version, long have) throws Exception {
        try (ManifestStream s = svc.openManifest("site", version, have)) {
            assertEquals(ManifestKind.DELTA, s.kind());
            return ManifestEnvelope.decode(s.content().readAllBytes()).body();
        }
    }

    @Test
    void publish_storesTheDelta_theNodeServesIt_andPruningRemovesIt() throws Exception {
        publishThree();
        DatasetStore store = DatasetStore.open(data, "site");
        byte[] stored = store.readDelta(1, 2);
        assertNotNull(stored, "v2's publish stored the delta from v1");
        assertTrue(ManifestDelta.describes(stored, store.rootDigest(1), store.rootDigest(2)));
        assertEquals(store.manifest(2), ManifestDelta.apply(store.manifest(1), store.rootDigest(1), stored,
                ManifestLimits.DEFAULT));
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of())) {
            assertArrayEquals(stored, served(svc, 2, 1), "served as stored");
        }
        Files.writeString(src.resolve("f4.txt"), "changed too\n");
        pub.publish(src); // v3; retention 2 prunes v1
        assertNull(store.readDelta(1, 2), "removed with v1");
        assertNotNull(store.readDelta(2, 3));
        assertFalse(Files.exists(store.patchFile(1, 2)), "the patches from v1 went with it");
        assertTrue(Files.exists(store.patchFile(2, 3)), "f4.txt's patch from v2 is stored");
    }

    @Test
    void damagedStoredDelta_isNotServed_theNodeComputesIt() throws Exception {
        publishThree();
        DatasetStore store = DatasetStore.open(data, "site");
        byte[] stored = store.readDelta(1, 2);
        stored[stored.length / 2] ^= 0x40;
        store.writeDelta(1, 2, stored);
        assertFalse(ManifestDelta.describes(stored, store.rootDigest(1), store.rootDigest(2)));
        try (ReleaseService svc = new ReleaseService(data, "default", SECRET, List.of())) {
            byte[] body = served(svc, 2, 1);
            assertEquals(store.manifest(2), ManifestDelta.apply(store.manifest(1), store.rootDigest(1), body,
                    ManifestLimits.DEFAULT), "a good delta, computed by the node");
        }
    }
}
