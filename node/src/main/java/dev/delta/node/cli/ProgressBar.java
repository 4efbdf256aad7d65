package dev.delta.node.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress bar on stderr for long work: appears only after {@value #DELAY_MS} ms,
 * redraws at most every {@value #PERIOD_MS} ms from its own daemon thread (workers only bump
 * counters), and clears its line when closed. Disabled when stderr is not a terminal or when
 * the user asked for quiet.
 */
public final class ProgressBar implements AutoCloseable {
    static final long DELAY_MS = 1000;
    static final long PERIOD_MS = 100;
    private static final int WIDTH = 24;

    private final String label;
    private final PrintStream out;
    private final boolean enabled;
    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicLong bytesTotal = new AtomicLong();
    private final AtomicLong itemsDone = new AtomicLong();
    private final AtomicLong itemsTotal = new AtomicLong();
    private final long start = System.nanoTime();
    private final Thread painter;
    private volatile boolean closed;
    private volatile boolean drawn;
    /** The stderr this bar put in place while it is up, or null. */
    private final PrintStream installed;

    public ProgressBar(String label, boolean enabled) {
        this(label, System.err, enabled);
    }

    ProgressBar(String label, PrintStream out, boolean enabled) {
        this.label = label;
        this.out = out;
        this.enabled = enabled;
        if (enabled && out == System.err) {
            // Log lines go to stderr too: each one first clears the bar's line, or it would be
            // glued onto the end of the bar; the bar is drawn again below it at the next redraw.
            installed = new PrintStream(new ClearingStream(out), true);
            System.setErr(installed);
        } else {
            installed = null;
        }
        if (enabled) {
            painter = new Thread(this::paintLoop, "progress");
            painter.setDaemon(true);
            painter.start();
        } else {
            painter = null;
        }
    }

    /** True when a terminal is attached and {@code quiet} is false. */
    public static boolean wanted(boolean quiet) {
        return !quiet && System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    public void update(long itemsDone, long itemsTotal, long bytesDone, long bytesTotal) {
        this.itemsDone.set(itemsDone);
        this.itemsTotal.set(itemsTotal);
        this.bytesDone.set(bytesDone);
        this.bytesTotal.set(bytesTotal);
    }

    private void paintLoop() {
        try {
            Thread.sleep(DELAY_MS);
            while (!closed) {
                paint();
                Thread.sleep(PERIOD_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized void paint() {
        if (closed) {
            return;
        }
        out.print('\r' + render(System.nanoTime() - start) + "\u001b[K");
        out.flush();
        drawn = true;
    }

    /** The bar's text for an elapsed time; visible for tests. */
    String render(long elapsedNanos) {
        long done = bytesDone.get();
        long total = Math.max(bytesTotal.get(), done);
        double frac = total == 0 ? 0 : (double) done / total;
        int filled = (int) Math.round(frac * WIDTH);
        StringBuilder sb = new StringBuilder(96).append(label).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '#' : '.');
        }
        sb.append("] ").append(String.format(Locale.ROOT, "%3.0f%%", frac * 100));
        sb.append("  ").append(Units.count(itemsDone.get())).append('/').append(Units.count(itemsTotal.get()))
                .append(" files  ").append(Units.bytes(done)).append(" / ").append(Units.bytes(total))
                .append("  ").append(Units.rate(done, elapsedNanos));
        if (done > 0 && total > done) {
            long etaMs = (long) ((elapsedNanos / 1e6) * (total - done) / done);
            sb.append("  ETA ").append(Units.millis(etaMs));
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (painter != null) {
            painter.interrupt();
        }
        clearLine();
        if (installed != null && System.err == installed) {
            System.setErr(out);
        }
    }

    /** Clears the bar's line if it is drawn; the next redraw draws it again. */
    private synchronized void clearLine() {
        if (drawn) {
            out.print("\r\u001b[K");
            out.flush();
            drawn = false;
        }
    }

    /** Stderr while the bar is up: what others write there goes on a line the bar has left. */
    private final class ClearingStream extends java.io.OutputStream {
        private final PrintStream target;

        ClearingStream(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            clearLine();
            target.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            clearLine();
            target.write(b, off, len);
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
