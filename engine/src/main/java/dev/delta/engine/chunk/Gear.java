package dev.delta.engine.chunk;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The FastCDC 2020 gear table and normalization masks.
 *
 * <p>{@code GEAR[i]} is the first 8 bytes, big-endian, of MD5 over 64 bytes that all equal
 * {@code i}; {@code GEAR_LS[i] = GEAR[i] << 1} serves the even byte of the two-bytes-per-step
 * loop. Both tables are computed once, when the class is initialized, and are identical to the
 * ones of other FastCDC 2020 implementations, so cut points interoperate.
 *
 * <p>The hash is {@code h = (h << 1) + GEAR[b]} with 64-bit wrap-around; a chunk ends before
 * the byte at which {@code (h & mask) == 0}.
 */
final class Gear {
    /** Gear value per byte value. */
    static final long[] GEAR = new long[256];

    /** {@code GEAR[i] << 1}, so the even byte of a two-byte step needs one shift of the hash. */
    static final long[] GEAR_LS = new long[256];

    /** Smallest {@code log2} index of {@link #MASKS}. */
    static final int MIN_MASK_BITS = 5;

    /** Largest {@code log2} index of {@link #MASKS}. */
    static final int MAX_MASK_BITS = 25;

    /**
     * Cut masks indexed by {@code log2} of a chunk size ({@code bits + nc} before the average,
     * {@code bits - nc} after it). Entries below {@link #MIN_MASK_BITS} are unused and zero.
     */
    private static final long[] MASKS = {
        0, 0, 0, 0, 0,
        0x0000000001804110L, // 5: only reached with nc 3
        0x0000000001803110L, // 6: 64 B
        0x0000000018035100L, // 7: 128 B
        0x0000001800035300L, // 8: 256 B
        0x0000019000353000L, // 9: 512 B
        0x0000590003530000L, // 10: 1 KiB
        0x0000d90003530000L, // 11: 2 KiB
        0x0000d90103530000L, // 12: 4 KiB
        0x0000d90303530000L, // 13: 8 KiB
        0x0000d90313530000L, // 14: 16 KiB
        0x0000d90f03530000L, // 15: 32 KiB
        0x0000d90303537000L, // 16: 64 KiB
        0x0000d90703537000L, // 17: 128 KiB
        0x0000d90707537000L, // 18: 256 KiB
        0x0000d91707537000L, // 19: 512 KiB
        0x0000d91747537000L, // 20: 1 MiB
        0x0000d91767537000L, // 21: 2 MiB
        0x0000d93767537000L, // 22: 4 MiB
        0x0000d93777537000L, // 23: 8 MiB
        0x0000d93777577000L, // 24: 16 MiB
        0x0000db3777577000L, // 25: only reached with nc 3
    };

    static {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5, needed to build the FastCDC gear table", e);
        }
        byte[] block = new byte[64];
        for (int i = 0; i < 256; i++) {
            Arrays.fill(block, (byte) i);
            byte[] d = md5.digest(block);
            long v = 0;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (d[k] & 0xffL);
            }
            GEAR[i] = v;
            GEAR_LS[i] = v << 1;
        }
    }

    private Gear() {
    }

    /**
     * The mask for chunks of about {@code 2^bits} bytes.
     *
     * @throws IllegalArgumentException if {@code bits} is outside 5..25
     */
    static long mask(int bits) {
        if (bits < MIN_MASK_BITS || bits > MAX_MASK_BITS) {
            throw new IllegalArgumentException("no FastCDC mask for 2^" + bits + " bytes; supported: 2^"
                    + MIN_MASK_BITS + " .. 2^" + MAX_MASK_BITS);
        }
        return MASKS[bits];
    }
}
