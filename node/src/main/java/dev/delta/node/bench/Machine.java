package dev.delta.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmark ran on, from {@code /proc}. */
final class Machine {
    private Machine() {
    }

    /** The CPU's model name, or "unknown". */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    /** Total memory in bytes, or -1. */
    static long memoryBytes() {
        return meminfo("MemTotal:");
    }

    /** Memory no one uses, not even the page cache ({@code MemFree}), in bytes, or -1. */
    static long freeBytes() {
        return meminfo("MemFree:");
    }

    private static long meminfo(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return -1;
    }
}
