package dev.delta.engine.hash;

import net.openhft.hashing.LongTupleHashFunction;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Chunk ids hashed from direct memory, as an edge's range buffers are, equal those of the same bytes on the heap. */
class ChunkIdDirectTest {
    @Test
    void directBuffers_hashLikeArrays_inAJvmWithTheLaunchersExports() {
        assertTrue(ChunkId.hashesDirectBuffers(), "the tests run with --add-exports java.base/sun.nio.ch, as the launcher does");
        LongTupleHashFunction xx128 = LongTupleHashFunction.xx128();
        Random rnd = new Random(17);
        for (int len : new int[]{0, 1, 16, 17, 128, 129, 240, 241, 4096, 70_000}) {
            byte[] bytes = new byte[len + 37];
            rnd.nextBytes(bytes);
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes);
            long[] fromDirect = new long[2];
            xx128.hashBytes(direct, 37, len, fromDirect); // an absolute offset, as ReleaseBuilder.accept passes
            long[] fromArray = new long[2];
            xx128.hashBytes(bytes, 37, len, fromArray);
            assertArrayEquals(fromArray, fromDirect, "length " + len);
        }
    }
}
