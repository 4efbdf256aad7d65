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
        collectsInParts(ManifestCollector.FIRST + 3 * 1_000_003, 1_000_003, 7);
        // within it: the declared length at once
        collectsInParts(300_001, 7_001, 5);
    }

    /** Random bytes of {@code length} gathered from parts of {@code part} bytes come out whole. */
    private static void collectsInParts(int length, int part, long seed) throws DeltaException {
        byte[] want = new byte[length];
        new java.util.Random(seed).nextBytes(want);
        ManifestCollector c = new ManifestCollector();
        c.begin(new ManifestHeader(ManifestKind.FULL, 1, want.length, Bytes32.ZERO));
        for (int at = 0; at < want.length; at += part) {
            c.part(ByteBuffer.wrap(want, at, Math.min(part, want.length - at)));
        }
        assertArrayEquals(want, c.bytes());
    }
}
