package dev.delta.benchmarks.guard;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RatioCheckTest {
    private static final Ratio CDC = new Ratio("fastcdc", "x.ChunkerBenchmark.fastCdc", "x.ChunkerBenchmark.xxh3Baseline");
    private static final Ratio LZ4 = new Ratio("lz4.decompress", "x.Lz4Benchmark.safeDecompress", "x.Lz4Benchmark.xxh3");
    private static final List<Ratio> RATIOS = List.of(CDC, LZ4);

    private static Floors floors(double cdc, double lz4) {
        Properties p = new Properties();
        p.setProperty("fastcdc", Double.toString(cdc));
        p.setProperty("lz4.decompress", Double.toString(lz4));
        return Floors.of(p, "floors.properties", new Properties(), List.of("fastcdc", "lz4.decompress"));
    }

    private static Map<String, Double> scores(double cdc, double cdcBase, double lz4, double lz4Base) {
        return Map.of(CDC.numerator(), cdc, CDC.denominator(), cdcBase, LZ4.numerator(), lz4, LZ4.denominator(), lz4Base);
    }

    @Test
    void evaluate_ratiosAboveFloors_pass() {
        List<RatioCheck.Verdict> v = RatioCheck.evaluate(RATIOS, scores(30, 100, 25, 100), floors(0.2, 0.15));
        assertEquals(0.30, v.get(0).value(), 1e-12);
        assertEquals(0.25, v.get(1).value(), 1e-12);
        assertTrue(RatioCheck.allPassed(v));
        assertEquals("", RatioCheck.failures(v, floors(0.2, 0.15)));
        assertTrue(RatioCheck.table(v).contains("| fastcdc | ChunkerBenchmark.fastCdc | 30.0 | ChunkerBenchmark.xxh3Baseline "
                + "| 100.0 | 0.300 | 0.200 | ok |"), RatioCheck.table(v));
    }

    @Test
    void evaluate_ratioExactlyAtFloor_passes() {
        assertTrue(RatioCheck.allPassed(RatioCheck.evaluate(RATIOS, scores(20, 100, 15, 100), floors(0.2, 0.15))));
    }

    /** The regression the guard exists for: the chunker three times slower, the baseline unchanged. */
    @Test
    void evaluate_chunkerThreeTimesSlower_failsNamingTheRatio() {
        Floors f = floors(0.2, 0.15);
        List<RatioCheck.Verdict> v = RatioCheck.evaluate(RATIOS, scores(10, 100, 25, 100), f);
        assertFalse(RatioCheck.allPassed(v));
        assertFalse(v.get(0).passed());
        assertTrue(v.get(1).passed());
        String msg = RatioCheck.failures(v, f);
        assertTrue(msg.startsWith("hot-path ratio 'fastcdc' (ChunkerBenchmark.fastCdc / ChunkerBenchmark.xxh3Baseline) "
                + "is 0.100, below its floor 0.200 (from floors.properties)"), msg);
        assertFalse(msg.contains("lz4"), msg);
        assertTrue(RatioCheck.table(v).contains("BELOW FLOOR"));
    }

    /** A machine uniformly slowed by load slows both sides: the ratio, and the verdict, hold. */
    @Test
    void evaluate_uniformSlowdown_doesNotTrip() {
        assertTrue(RatioCheck.allPassed(RatioCheck.evaluate(RATIOS, scores(3, 10, 2.5, 10), floors(0.2, 0.15))));
    }

    @Test
    void evaluate_bothBelow_reportsBoth() {
        Floors f = floors(0.5, 0.5);
        String msg = RatioCheck.failures(RatioCheck.evaluate(RATIOS, scores(30, 100, 25, 100), f), f);
        assertTrue(msg.contains("'fastcdc'") && msg.contains("'lz4.decompress'"), msg);
    }

    /** A round dragged down by load is outvoted by a good second round; a real regression fails both. */
    @Test
    void best_keepsTheBetterRoundPerRatio() {
        Floors f = floors(0.2, 0.15);
        List<RatioCheck.Verdict> first = RatioCheck.evaluate(RATIOS, scores(15, 100, 10, 100), f);
        assertFalse(first.get(0).passed());
        assertFalse(first.get(1).passed());
        List<RatioCheck.Verdict> again = RatioCheck.evaluate(List.of(CDC, LZ4), scores(31, 100, 9, 100), f);
        List<RatioCheck.Verdict> best = RatioCheck.best(first, again);
        assertEquals(0.31, best.get(0).value(), 1e-12);
        assertTrue(best.get(0).passed());
        assertEquals(0.10, best.get(1).value(), 1e-12, "the first round was the better one");
        assertFalse(RatioCheck.allPassed(best));
        assertTrue(RatioCheck.failures(best, f).contains("'lz4.decompress'"));
        assertFalse(RatioCheck.failures(best, f).contains("'fastcdc'"));
    }

    @Test
    void best_ratioNotMeasuredAgain_keepsItsFirstVerdict() {
        Floors f = floors(0.2, 0.15);
        List<RatioCheck.Verdict> first = RatioCheck.evaluate(RATIOS, scores(15, 100, 30, 100), f);
        List<RatioCheck.Verdict> again = RatioCheck.evaluate(List.of(CDC), scores(16, 100, 30, 100), f);
        List<RatioCheck.Verdict> best = RatioCheck.best(first, again);
        assertEquals(0.16, best.get(0).value(), 1e-12);
        assertEquals(first.get(1), best.get(1));
    }

    @Test
    void evaluate_missingResult_isAnError() {
        Map<String, Double> s = Map.of(CDC.numerator(), 30.0, CDC.denominator(), 100.0, LZ4.numerator(), 25.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RatioCheck.evaluate(RATIOS, s, floors(0.2, 0.15)));
        assertTrue(e.getMessage().contains(LZ4.denominator()), e.getMessage());
    }

    @Test
    void evaluate_zeroOrNaNScore_isAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> RatioCheck.evaluate(RATIOS, scores(30, 0, 25, 100), floors(0.2, 0.15)));
        assertThrows(IllegalArgumentException.class,
                () -> RatioCheck.evaluate(RATIOS, scores(Double.NaN, 100, 25, 100), floors(0.2, 0.15)));
    }
}
