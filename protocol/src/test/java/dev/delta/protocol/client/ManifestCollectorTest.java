package dev.delta.protocol.client;

import dev.delta.protocol.wire.Bytes32;
import dev.delta.protocol.wire.ManifestKind;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestCollectorTest {
    /** A declared length is allocated up front only up to 16 MiB: an upstream that declares 1 GiB and stalls costs that. */
    @Test
    void growsAsPartsArriveBeyondTheFirstAllocation() throws DeltaException {
        ManifestCollector huge = new ManifestCollector();
        huge.begin(new ManifestHeader(ManifestKind.FULL, 1, 1L << 30, Bytes32.ZERO));
        assertTrue(huge.bytes().length <= ManifestCollector.FIRST, "allocated " + huge.bytes().length);
        assertTrue(ManifestCollector.FIRST <= 16 << 20);

        // beyond the first allocation: parts of odd sizes, the array grown as they arrive
        byte[] big = new byte[ManifestCollector.FIRST + 3 * 1_000_003];
        new java.util.Random(7).nextBytes(big);
        ManifestCollector g = new ManifestCollector();
        g.begin(new ManifestHeader(ManifestKind.FULL, 1, big.length, Bytes32.ZERO));
        for (int at = 0; at < big.length; at += 1_000_003) {
            g.part(ByteBuffer.wrap(big, at, Math.min(1_000_003, big.length - at)));
        }
        assertArrayEquals(big, g.bytes());

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
