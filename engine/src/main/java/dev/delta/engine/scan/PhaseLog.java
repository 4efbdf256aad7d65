package dev.delta.engine.scan;

/**
 * Where a short command's time goes, phase by phase: with {@code -Ddelta.phases=true} (or
 * {@code DELTA_JAVA_OPTS=-Ddelta.phases=true ./delta ...}) each {@link #mark} prints the time
 * since the process started and since the previous mark, and this thread's CPU time, to stderr.
 * Off by default, when a mark costs one static field read.
 */
public final class PhaseLog {
    /** True when phase marks are printed. */
    public static final boolean ENABLED = Boolean.getBoolean("delta.phases");

    private static long last;

    private PhaseLog() {
    }

    /** Prints that {@code phase} has just ended, when enabled. */
    public static void mark(String phase) {
        if (ENABLED) {
            print(phase);
        }
    }

    private static synchronized void print(String phase) {
        long now = System.currentTimeMillis();
        long start = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(now);
        long since = last == 0 ? now - start : now - last;
        last = now;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu = mx.getCurrentThreadCpuTime() / 1_000_000;
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
        System.err.printf("delta-phase %6d ms  +%5d ms  %-28s thread cpu %5d ms, process cpu %5d ms [%s]%n",
                now - start, since, phase, cpu, total, Thread.currentThread().getName());
    }
}
