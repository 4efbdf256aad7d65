package dev.delta.benchmarks.guard;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.options.Options;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HotPathGuardTest {
    @Test
    void options_selectExactlyTheGuardedBenchmarks() {
        Options o = HotPathGuard.options(HotPathGuard.RATIOS);
        assertEquals(1, o.getIncludes().size());
        Pattern p = Pattern.compile(o.getIncludes().get(0));
        for (Ratio r : HotPathGuard.RATIOS) {
            assertTrue(p.matcher(r.numerator()).find(), r.numerator());
            assertTrue(p.matcher(r.denominator()).find(), r.denominator());
        }
        assertFalse(p.matcher("dev.delta.benchmarks.ChunkerBenchmark.fileChunker").find());
        assertFalse(p.matcher("dev.delta.benchmarks.Lz4Benchmark.compressFast").find());
        assertFalse(p.matcher("dev.delta.benchmarks.Lz4Benchmark.xxh3Extra").find());
    }

    @Test
    void options_ofOneRatio_selectOnlyItsPair() {
        Pattern p = Pattern.compile(HotPathGuard.options(List.of(HotPathGuard.FASTCDC)).getIncludes().get(0));
        assertTrue(p.matcher(HotPathGuard.FASTCDC.numerator()).find());
        assertTrue(p.matcher(HotPathGuard.FASTCDC.denominator()).find());
        assertFalse(p.matcher(HotPathGuard.LZ4_DECOMPRESS.numerator()).find());
        assertFalse(p.matcher(HotPathGuard.LZ4_DECOMPRESS.denominator()).find());
    }

    /** The guard runs in every `mvn verify`: four single forks of a few one-second iterations. */
    @Test
    void options_keepTheGuardShortAndItsForksClean() {
        Options o = HotPathGuard.options(HotPathGuard.RATIOS);
        assertEquals(1, o.getForkCount().get());
        long perFork = o.getWarmupIterations().get() * o.getWarmupTime().get().convertTo(TimeUnit.SECONDS)
                + o.getMeasurementIterations().get() * o.getMeasurementTime().get().convertTo(TimeUnit.SECONDS);
        assertTrue(perFork * HotPathGuard.RATIOS.size() * 2 <= 60, perFork + " s of iterations per fork");
        assertTrue(o.getMeasurementIterations().get() >= 3, "best of at least three iterations");
        assertTrue(o.getJvmArgs().get().isEmpty(), "forks do not inherit the guard's options");
    }

    @Test
    void ratios_nameBenchmarksThatExist() throws Exception {
        for (Ratio r : HotPathGuard.RATIOS) {
            for (String b : new String[] {r.numerator(), r.denominator()}) {
                int dot = b.lastIndexOf('.');
                Class<?> c = Class.forName(b.substring(0, dot));
                assertTrue(c.getMethod(b.substring(dot + 1), dev.delta.benchmarks.ByteCounter.class)
                        .isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class), b);
            }
        }
    }
}
