package dev.delta.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads process figures from Linux's {@code /proc}. CPU times are in clock ticks of 10 ms
 * ({@code USER_HZ} is 100 on every mainstream Linux build).
 */
final class ProcFs {
    static final long MILLIS_PER_TICK = 10;

    private ProcFs() {
    }

    /** Whether {@code /proc} is there to read. */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/stat"));
    }

    /**
     * CPU milliseconds of a process from {@code /proc/PID/stat}: its own user + system time, plus
     * (with {@code children}) that of the children it has already waited for. Returns -1 when the
     * process is gone.
     */
    static long cpuMillis(String pid, boolean children) {
        try {
            String s = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (children) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return ticks * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Peak resident set size ({@code VmHWM}) of a live process in bytes, or -1. */
    static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or a zombie whose memory is already released
        }
        return -1;
    }

    /** Resets a process's peak RSS to its current RSS ({@code echo 5 > /proc/PID/clear_refs}); false if refused. */
    static boolean resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
