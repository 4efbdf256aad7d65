package dev.delta.engine.chunk;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkerParamsTest {
    @ParameterizedTest(name = "min {0}, avg {1}, max {2}, nc {3}: {4}")
    @CsvSource(delimiter = '|', textBlock = """
            32    | 256   | 1024     | 1 | is below 64 bytes
            4096  | 16384 | 33554432 | 2 | is above 16777216 bytes
            16384 | 16384 | 65536    | 2 | min < avg < max
            4096  | 65536 | 65536    | 2 | min < avg < max
            4096  | 20000 | 65536    | 2 | must be a power of two
            4096  | 16384 | 65536    | 4 | must be 0 to 3
            4096  | 16384 | 65536    | -1 | must be 0 to 3
            64    | 128   | 1024     | 3 | out of FastCDC's mask range
            """)
    void new_invalid_explainsWhy(int min, int avg, int max, int nc, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ChunkerParams(min, avg, max, nc));
        assertTrue(e.getMessage().contains(message), () -> "message '" + e.getMessage() + "' lacks '" + message + "'");
    }

    @Test
    void new_valid_exposesLog2OfAvg() {
        assertEquals(14, ChunkerParams.DEFAULT.avgBits());
        assertEquals(7, new ChunkerParams(64, 128, 1024, 1).avgBits());
    }

    @Test
    void fastCdc_extremesOfMaskTable_cut() {
        // 2^(7-2) and 2^(22+3) are the first and last entries of the mask table.
        byte[] data = TestData.random(3, 1 << 24);
        int small = new FastCdc(new ChunkerParams(64, 128, 1024, 2)).cut(data, 0, data.length);
        assertTrue(small >= 64 && small <= 1024, "cut at " + small);
        int large = new FastCdc(new ChunkerParams(1 << 20, 1 << 22, 1 << 24, 3)).cut(data, 0, data.length);
        assertTrue(large >= 1 << 20 && large <= 1 << 24, "cut at " + large);
    }
}
