package dev.delta.node.cli;

import java.util.Locale;

/** Human-readable numbers for terminal output. */
public final class Units {
    private Units() {
    }

    /** 1536 → "1.5 KiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u[i]);
    }

    /** Bytes per second over {@code nanos}. */
    public static String rate(long bytes, long nanos) {
        if (nanos <= 0) {
            return "-";
        }
        return bytes((long) (bytes * 1e9 / nanos)) + "/s";
    }

    /** 1234567 → "1,234,567". */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Milliseconds as "850 ms", "12.3 s" or "2m05s". */
    public static String millis(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, (ms / 1000) % 60);
    }

    /**
     * A ratio as a percentage with one decimal, never rounded to 100.0% or 0.0% when the part is
     * not all or not nothing (99.994% reads "99.9%": something is still to do).
     */
    public static String percent(long part, long whole) {
        if (whole == 0) {
            return "0%";
        }
        double p = 100.0 * part / whole;
        if (part < whole) {
            p = Math.min(p, 99.9);
        }
        if (part > 0) {
            p = Math.max(p, 0.1);
        }
        return String.format(Locale.ROOT, "%.1f%%", Math.floor(p * 10 + 0.5) / 10);
    }
}
