package dev.delta.engine.manifest;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the decoder. In a plain test run Jazzer replays the seed corpus under
 * {@code ManifestCodecFuzzTestInputs/<method>/} (regression mode); with {@code JAZZER_FUZZ=1} it
 * fuzzes one method for real. Properties: nothing but {@link ManifestFormatException} escapes,
 * memory stays bounded by the (small) limits, and whatever decodes re-encodes to the same bytes.
 */
class ManifestCodecFuzzTest {
    private static final ManifestLimits SMALL =
            new ManifestLimits(1_000, 2_000, 4_000, 512, 256 * 1024);
    private static final ManifestCodec CODEC = new ManifestCodec(SMALL);
    /** Generous ceiling on what one decode may allocate: window, scratch, model, and slack. */
    private static final long ALLOCATION_CEILING = 4L * 1024 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @FuzzTest
    void decode_arbitraryBytes(byte[] data) throws IOException {
        Manifest fromArray = decodeWithinMemoryBound(data, () -> CODEC.decode(data));
        Manifest fromStream = decodeWithinMemoryBound(data, () -> CODEC.decode(new ByteArrayInputStream(data)));
        assertEquals(fromArray, fromStream, "array and stream decoders disagree");
        if (fromArray != null) {
            assertArrayEquals(data, CODEC.encode(fromArray), "a decodable input must be canonical");
        }
    }

    @FuzzTest
    void decode_mutatedValidEncodingIgnoringChecksum(byte[] data) throws IOException {
        Manifest m = decodeWithinMemoryBound(data, () -> CODEC.decodeIgnoringChecksum(data));
        if (m != null) {
            byte[] again = CODEC.encode(m);
            int body = data.length - ManifestCodec.CHECKSUM_BYTES;
            assertArrayEquals(Arrays.copyOf(data, body), Arrays.copyOf(again, body),
                    "a decodable input must be canonical up to its checksum");
        }
    }

    private interface Decode {
        Manifest run() throws IOException;
    }

    /**
     * Decodes and checks how much this thread allocated. Loading (and instrumenting) classes on a
     * first use allocates too, so an over-budget first attempt is measured again before failing.
     */
    private static Manifest decodeWithinMemoryBound(byte[] data, Decode d) throws IOException {
        long budget = ALLOCATION_CEILING + 64L * data.length;
        long allocated = Long.MAX_VALUE;
        Manifest m = null;
        for (int attempt = 0; attempt < 2 && allocated >= budget; attempt++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            m = decodeOrNull(d);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        assertTrue(allocated < budget, "decoding " + data.length + " bytes allocated " + allocated);
        return m;
    }

    /** The decoded manifest, or null when it was rejected the one acceptable way. */
    private static Manifest decodeOrNull(Decode d) throws IOException {
        try {
            return d.run();
        } catch (ManifestFormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "rejection without a message");
            return null;
        }
    }
}
