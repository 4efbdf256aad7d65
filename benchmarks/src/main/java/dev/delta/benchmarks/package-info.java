/**
 * JMH benchmarks of Delta's hot paths. Build the shaded jar with
 * {@code mvn -pl engine,benchmarks -am package -DskipTests}, then run
 * {@code java -jar benchmarks/target/benchmarks.jar <BenchmarkClass> -prof gc}.
 */
package dev.delta.benchmarks;
