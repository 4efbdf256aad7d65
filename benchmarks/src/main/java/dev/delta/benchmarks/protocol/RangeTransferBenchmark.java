package dev.delta.benchmarks.protocol;

import dev.delta.benchmarks.BenchmarkData;

import dev.delta.protocol.client.ClientConfig;
import dev.delta.protocol.client.DeltaClient;
import dev.delta.protocol.client.RangeResult;
import dev.delta.protocol.server.DeltaServer;
import dev.delta.protocol.server.ServerConfig;
import dev.delta.protocol.wire.ByteRange;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback range transfer through Delta (GET_RANGES, DATA, LZ4, credit) against {@link RawPump}
 * between the same two endpoints, in one run. For each payload it pumps and fetches the same byte
 * count several times, raw and Delta in turn, and reports medians: throughput, Delta / raw (the
 * median of the per-repetition ratios, which is robust to load from other processes), and wire
 * bytes / payload.
 *
 * <pre>
 * java -cp benchmarks.jar dev.delta.benchmarks.protocol.RangeTransferBenchmark [--mib 256] [--reps 5]
 *     [--warmup 10] [--piece 131072] [--payloads random,text,text-hc] [--json out.json]
 * </pre>
 *
 * Payloads: {@code random} (incompressible), {@code text} (words and lines, LZ4 fast per piece on
 * the fly) and {@code text-hc} (the same text served as LZ4 HC blocks prepared once, as an origin does).
 */
public final class RangeTransferBenchmark {
    private static final int FILE = 64 << 20;
    private static final int RANGE = 1 << 20;
    private static final int RANGES_PER_REQUEST = 32;
    private static final byte[] SECRET = "bench".getBytes(StandardCharsets.US_ASCII);

    private RangeTransferBenchmark() {
    }

    /** Result of one payload kind. */
    record Row(String payload, long bytes, double rawMBps, double deltaMBps, double relative, double wireRatio) {
    }

    public static void main(String[] args) throws Exception {
        int mib = 256;
        int reps = 5;
        int warmupSeconds = 10;
        int piece = dev.delta.protocol.wire.Limits.DEFAULT_DATA_PIECE;
        Path json = null;
        List<String> only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--piece" -> piece = Integer.parseInt(args[++i]);
                case "--payloads" -> only = List.of(args[++i].split(","));
                case "--warmup" -> warmupSeconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use --mib N, --reps N, --warmup SECONDS, --piece BYTES, --payloads random,text,text-hc,"
                        + " --json FILE");
            }
        }
        long total = (long) mib << 20;
        byte[] random = BenchmarkData.random(FILE, 1);
        byte[] text = BenchmarkData.text(FILE, 2);
        Map<String, ByteBuffer> files = new LinkedHashMap<>();
        files.put("random", direct(random));
        files.put("text", direct(text));
        files.put("text-hc", files.get("text"));
        BenchService service = new BenchService(SECRET, files, Map.of("text-hc", BenchService.hcBlocks(text)));
        List<Row> rows = new ArrayList<>();
        ServerConfig base = ServerConfig.of("127.0.0.1", 0);
        ServerConfig config = new ServerConfig(base.host(), base.port(), null, base.limits(), base.receiveWindow(), piece,
                base.maxConcurrentRequests(), base.idleTimeout(), base.ioThreads(), base.maxConnections(),
                base.maxConnectionsPerHost());
        try (DeltaServer server = DeltaServer.start(config, service);
             DeltaClient client = DeltaClient.connect(ClientConfig.of("127.0.0.1", server.port(), "bench", SECRET))) {
            for (Map.Entry<String, ByteBuffer> e : files.entrySet()) {
                if (only != null && !only.contains(e.getKey())) {
                    continue;
                }
                rows.add(measure(e.getKey(), e.getValue(), total, reps, warmupSeconds, client));
            }
        }
        String table = markdown(rows, mib, reps);
        System.out.println(table);
        if (json != null) {
            Files.writeString(json, json(rows, mib, reps));
        }
    }

    /** Payloads live in direct memory, as memory-mapped files do; both sides send from there. */
    private static ByteBuffer direct(byte[] b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.length);
        d.put(b).flip();
        return d.asReadOnlyBuffer();
    }

    private static Row measure(String name, ByteBuffer payload, long total, int reps, int warmupSeconds,
                               DeltaClient client) throws Exception {
        double[] raw = new double[reps];
        double[] delta = new double[reps];
        double[] wire = new double[reps];
        double[] ratio = new double[reps];
        try (RawPump pump = new RawPump(payload)) {
            // Warm-up, as JMH does: both paths in turn until the time is up (at least once each), so
            // that the measured repetitions see compiled code on both sides, not the JIT at work.
            long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            do {
                pump.pump(total);
                fetch(client, name, total);
            } while (System.nanoTime() < warmEnd);
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                pump.pump(total);
                raw[r] = total / ((System.nanoTime() - t0) / 1e9) / 1e6;
                long w0 = client.wireBytesReceived();
                long t1 = System.nanoTime();
                fetch(client, name, total);
                delta[r] = total / ((System.nanoTime() - t1) / 1e9) / 1e6;
                wire[r] = (client.wireBytesReceived() - w0) / (double) total;
                ratio[r] = delta[r] / raw[r];
            }
        }
        return new Row(name, total, median(raw), median(delta), median(ratio), median(wire));
    }

    /** {@code total} bytes of one file in 1 MiB ranges, 32 per request, wrapping around the file. */
    private static void fetch(DeltaClient client, String path, long total) throws Exception {
        AtomicLong got = new AtomicLong();
        List<CompletableFuture<RangeResult>> futures = new ArrayList<>();
        List<ByteRange> ranges = new ArrayList<>();
        for (long done = 0; done < total; done += RANGE) {
            ranges.add(new ByteRange(done % FILE, RANGE));
            if (ranges.size() == RANGES_PER_REQUEST || done + RANGE >= total) {
                futures.add(client.fetchRanges("bench", 1, path, ranges, (i, off, data) -> got.addAndGet(data.remaining())));
                ranges = new ArrayList<>();
            }
        }
        for (CompletableFuture<RangeResult> f : futures) {
            DeltaClient.await(f);
        }
        if (got.get() != total) {
            throw new IllegalStateException("received " + got.get() + " of " + total + " bytes");
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String markdown(List<Row> rows, int mib, int reps) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d MiB per transfer, median of %d%n%n", mib, reps));
        sb.append("| payload | raw Netty pump | Delta ranges | Delta / raw (median of ratios) | wire / payload |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.0f MB/s | %.0f MB/s | %.2f | %.3f |%n", r.payload(),
                    r.rawMBps(), r.deltaMBps(), r.relative(), r.wireRatio()));
        }
        return sb.toString();
    }

    private static String json(List<Row> rows, int mib, int reps) {
        StringBuilder sb = new StringBuilder("{\n  \"benchmark\": \"RangeTransferBenchmark\",\n");
        sb.append(String.format(Locale.ROOT, "  \"mibPerTransfer\": %d,%n  \"repetitions\": %d,%n", mib, reps));
        sb.append(String.format(Locale.ROOT, "  \"jdk\": \"%s\",%n  \"cpus\": %d,%n  \"rows\": [%n",
                System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(String.format(Locale.ROOT, "    {\"payload\": \"%s\", \"bytes\": %d, \"rawMBps\": %.1f, "
                    + "\"deltaMBps\": %.1f, \"deltaOverRaw\": %.3f, \"wireOverPayload\": %.4f}%s%n", r.payload(),
                    r.bytes(), r.rawMBps(), r.deltaMBps(), r.relative(), r.wireRatio(), i + 1 < rows.size() ? "," : ""));
        }
        return sb.append("  ]\n}\n").toString();
    }
}
