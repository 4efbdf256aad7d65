package dev.delta.benchmarks.guard;

/**
 * A guarded ratio: the throughput of one benchmark over that of a baseline measured in the same
 * run on the same bytes, so the load of the machine largely cancels out.
 *
 * @param name        short name, also the key of its floor (e.g. {@code fastcdc})
 * @param numerator   full JMH name of the guarded benchmark
 * @param denominator full JMH name of its baseline
 */
public record Ratio(String name, String numerator, String denominator) {
    /** The benchmark's method name, for tables. */
    static String shortName(String benchmark) {
        int dot = benchmark.lastIndexOf('.');
        int cls = benchmark.lastIndexOf('.', dot - 1);
        return benchmark.substring(cls + 1);
    }
}
