package dev.delta.protocol.client;

import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ManifestKind;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCollectorTest {
    /** A declared length is not allocated up front: an upstream that declares 1 GiB and stalls costs 64 KiB. */
    @Test
    void growsAsPartsArrive() throws DeltaException {
        ManifestCollector huge = new ManifestCollector();
        huge.begin(new ManifestHeader(ManifestKind.FULL, 1, 1L << 30, Bytes32.ZERO));
        assertTrue(huge.bytes().length <= 64 << 10, "allocated " + huge.bytes().length);

        byte[] want = new byte[300_001];
        new java.util.Random(5).nextBytes(want);
        ManifestCollector c = new ManifestCollector();
        c.begin(new ManifestHeader(ManifestKind.FULL, 1, want.length, Bytes32.ZERO));
        for (int at = 0; at < want.length; at += 7_001) {
            c.part(ByteBuffer.wrap(want, at, Math.min(7_001, want.length - at)));
        }
        assertArrayEquals(want, c.bytes());
    }
}
