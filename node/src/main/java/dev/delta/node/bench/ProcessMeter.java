package dev.delta.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs client processes (one, or several in parallel) and measures them.
 *
 * <ul>
 *   <li><b>Wall time</b>: from start to exit of the last client, on this JVM's monotonic clock.</li>
 *   <li><b>CPU time</b>: user + system of the whole client process trees, exactly: the kernel adds
 *       a child's CPU time (including its own waited-for children, e.g. rsync's forked receiver) to
 *       its parent's {@code cutime/cstime} when the parent reaps it, so the change of this JVM's
 *       {@code cutime + cstime} across the batch is the clients' total. Nothing else this JVM
 *       starts exits during a batch.</li>
 *   <li><b>Peak RSS</b>: {@code VmHWM} of every process in each client's tree, sampled every 3 ms
 *       while it runs (a process's peak only grows, so the last sample is its peak up to a few ms
 *       before exit); a client's figure is the sum of its processes' peaks.</li>
 *   <li><b>Server</b> (optional): the serving process's CPU delta ({@code utime+stime+cutime+cstime},
 *       so an rsync daemon's per-connection children count once reaped) and the sum of the peak
 *       RSS of it and its descendants during the batch (its own peak is reset first through
 *       {@code clear_refs}).</li>
 * </ul>
 */
final class ProcessMeter {
    /**
     * Between two looks at the measured processes' peak RSS (their high-water mark, so a look
     * late is not a look lost). Each look also walks the process table for descendants: at 3 ms
     * that kept a good part of one of two cores busy beside the processes being timed.
     */
    private static final long POLL_MILLIS = 20;

    private ProcessMeter() {
    }

    /** One client's outcome. */
    record Run(int exit, long wallMillis, long peakRssBytes, String stdout, String stderr) {
    }

    /** A batch's outcome: per-client runs, and totals. Figures that could not be measured are -1. */
    record Batch(List<Run> runs, long wallMillis, long cpuMillis, long serverCpuMillis, long serverPeakRssBytes) {
        long maxPeakRss() {
            return runs.stream().mapToLong(Run::peakRssBytes).max().orElse(-1);
        }
    }

    /**
     * Starts every command at once, waits for all (at most {@code timeoutMinutes}), and measures.
     * Output goes to {@code logDir/label-i.out|err}. No client survives this call.
     */
    static Batch run(List<List<String>> commands, Path logDir, String label, ProcessHandle server,
                     long timeoutMinutes) throws IOException, InterruptedException {
        String self = Long.toString(ProcessHandle.current().pid());
        long cpu0 = ProcFs.cpuMillis(self, true);
        long srvCpu0 = server == null ? -1 : ProcFs.cpuMillis(Long.toString(server.pid()), true);
        boolean srvReset = server != null && ProcFs.resetPeakRss(server.pid());
        List<Process> procs = new ArrayList<>();
        List<Map<Long, Long>> peaks = new ArrayList<>();
        Map<Long, Long> serverPeaks = new ConcurrentHashMap<>();
        long[] ends = new long[commands.size()];
        long t0 = System.nanoTime();
        Thread sampler = null;
        try {
            for (int i = 0; i < commands.size(); i++) {
                procs.add(new ProcessBuilder(commands.get(i))
                        .redirectOutput(logDir.resolve(label + "-" + i + ".out").toFile())
                        .redirectError(logDir.resolve(label + "-" + i + ".err").toFile()).start());
                peaks.add(new ConcurrentHashMap<>());
            }
            sampler = new Thread(() -> sample(procs, peaks, server, serverPeaks), "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long deadline = t0 + TimeUnit.MINUTES.toNanos(timeoutMinutes);
            for (int i = 0; i < procs.size(); i++) {
                if (!procs.get(i).waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IOException(label + ": client " + i + " did not finish within " + timeoutMinutes + " min");
                }
                ends[i] = System.nanoTime();
            }
        } finally {
            for (Process p : procs) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            for (Process p : procs) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
            if (sampler != null) {
                sampler.interrupt();
                sampler.join(5_000);
            }
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        long cpu1 = ProcFs.cpuMillis(self, true);
        long srvCpu = -1;
        if (server != null) {
            Thread.sleep(200); // let an rsync daemon reap its per-connection children
            long c = ProcFs.cpuMillis(Long.toString(server.pid()), true);
            srvCpu = srvCpu0 < 0 || c < 0 ? -1 : c - srvCpu0;
            sampleServer(server, serverPeaks);
        }
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < procs.size(); i++) {
            long rss = peaks.get(i).isEmpty() ? -1 : peaks.get(i).values().stream().mapToLong(Long::longValue).sum();
            runs.add(new Run(procs.get(i).exitValue(), (ends[i] - t0) / 1_000_000, rss,
                    Files.readString(logDir.resolve(label + "-" + i + ".out")),
                    Files.readString(logDir.resolve(label + "-" + i + ".err"))));
        }
        long srvRss = !srvReset || serverPeaks.isEmpty() ? -1
                : serverPeaks.values().stream().mapToLong(Long::longValue).sum();
        return new Batch(runs, wall, cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0, srvCpu, srvRss);
    }

    private static void sample(List<Process> procs, List<Map<Long, Long>> peaks, ProcessHandle server,
                               Map<Long, Long> serverPeaks) {
        while (!Thread.currentThread().isInterrupted()) {
            boolean any = false;
            for (int i = 0; i < procs.size(); i++) {
                Process p = procs.get(i);
                if (!p.isAlive()) {
                    continue;
                }
                any = true;
                Map<Long, Long> m = peaks.get(i);
                record(p.pid(), m);
                p.descendants().forEach(d -> record(d.pid(), m));
            }
            if (server != null) {
                sampleServer(server, serverPeaks);
            }
            if (!any) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sampleServer(ProcessHandle server, Map<Long, Long> serverPeaks) {
        record(server.pid(), serverPeaks);
        server.descendants().forEach(d -> record(d.pid(), serverPeaks));
    }

    private static void record(long pid, Map<Long, Long> into) {
        long v = ProcFs.peakRss(pid);
        if (v > 0) {
            into.merge(pid, v, Math::max);
        }
    }
}
