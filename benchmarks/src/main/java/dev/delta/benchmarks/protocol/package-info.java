/**
 * Loopback range transfer through the Delta protocol against a raw Netty byte pump between the
 * same two endpoints, run by {@link dev.delta.benchmarks.protocol.RangeTransferBenchmark}.
 */
package dev.delta.benchmarks.protocol;
