/** Turns committed JMH JSON results into the markdown tables of {@code benchmarks/results/README.md}. */
package dev.delta.benchmarks.report;
