/**
 * The hot-path guard run by {@code mvn verify}: short JMH runs whose throughput ratios against
 * XXH3 must stay above the floors committed in {@code benchmarks/guard-floors.properties}.
 */
package dev.delta.benchmarks.guard;
