package dev.delta.benchmarks.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares measured ratios with their floors. Pure logic, no JMH: {@link HotPathGuard} feeds it
 * the scores of a run, the tests feed it made-up ones.
 */
public final class RatioCheck {
    private RatioCheck() {
    }

    /**
     * One ratio's outcome.
     *
     * @param ratio       the ratio
     * @param numerator   score of the guarded benchmark (ops/s)
     * @param denominator score of the baseline (ops/s)
     * @param floor       the lowest acceptable value
     */
    public record Verdict(Ratio ratio, double numerator, double denominator, double floor) {
        public double value() {
            return numerator / denominator;
        }

        public boolean passed() {
            return value() >= floor;
        }
    }

    /**
     * Verdicts for {@code ratios}, given the score of every benchmark by full JMH name.
     *
     * @throws IllegalArgumentException when a score is missing or not positive, or a floor is missing
     */
    public static List<Verdict> evaluate(List<Ratio> ratios, Map<String, Double> scores, Floors floors) {
        List<Verdict> out = new ArrayList<>();
        for (Ratio r : ratios) {
            out.add(new Verdict(r, score(scores, r.numerator()), score(scores, r.denominator()), floors.floor(r.name())));
        }
        return out;
    }

    private static double score(Map<String, Double> scores, String benchmark) {
        Double s = scores.get(benchmark);
        if (s == null) {
            throw new IllegalArgumentException("no result for " + benchmark + "; results: " + scores.keySet());
        }
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("result of " + benchmark + " is not a positive throughput: " + s);
        }
        return s;
    }

    /**
     * Per ratio of {@code first}, the verdict of the two rounds with the higher value; a ratio not
     * measured again keeps its first verdict.
     */
    public static List<Verdict> best(List<Verdict> first, List<Verdict> again) {
        List<Verdict> out = new ArrayList<>();
        for (Verdict v : first) {
            Verdict best = v;
            for (Verdict w : again) {
                if (w.ratio().equals(v.ratio()) && w.value() > best.value()) {
                    best = w;
                }
            }
            out.add(best);
        }
        return out;
    }

    public static boolean allPassed(List<Verdict> verdicts) {
        return verdicts.stream().allMatch(Verdict::passed);
    }

    /** A markdown table: ratio, both scores, the value, its floor, the verdict. */
    public static String table(List<Verdict> verdicts) {
        StringBuilder b = new StringBuilder();
        b.append("| ratio | benchmark | ops/s | baseline | ops/s | ratio | floor | verdict |\n");
        b.append("|---|---|---:|---|---:|---:|---:|---|\n");
        for (Verdict v : verdicts) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.1f | %.3f | %.3f | %s |%n",
                    v.ratio().name(), Ratio.shortName(v.ratio().numerator()), v.numerator(),
                    Ratio.shortName(v.ratio().denominator()), v.denominator(), v.value(), v.floor(),
                    v.passed() ? "ok" : "BELOW FLOOR"));
        }
        return b.toString();
    }

    /** One line per ratio below its floor, naming it, its value, the floor and how far below it is. */
    public static String failures(List<Verdict> verdicts, Floors floors) {
        StringBuilder b = new StringBuilder();
        for (Verdict v : verdicts) {
            if (!v.passed()) {
                b.append(String.format(Locale.ROOT,
                        "hot-path ratio '%s' (%s / %s) is %.3f, below its floor %.3f (from %s): %s is %.1fx slower "
                                + "relative to its baseline than the floor allows%n",
                        v.ratio().name(), Ratio.shortName(v.ratio().numerator()),
                        Ratio.shortName(v.ratio().denominator()), v.value(), v.floor(),
                        floors.source(v.ratio().name()), Ratio.shortName(v.ratio().numerator()),
                        v.floor() / v.value()));
            }
        }
        return b.toString();
    }
}
