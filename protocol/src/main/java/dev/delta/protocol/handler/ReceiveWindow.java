package dev.delta.protocol.handler;

/**
 * Receiver side of credit-based flow control. Counts payload bytes received but not yet consumed
 * (they must stay within the window) and batches consumed bytes into CREDIT increments of at least
 * a quarter window, so a fast receiver returns credit in few frames. Not thread-safe.
 */
public final class ReceiveWindow {
    private final long window;
    private final long threshold;
    private long outstanding;
    private long consumedUnreported;

    /** A window of {@code window} payload bytes. */
    public ReceiveWindow(long window) {
        this.window = window;
        this.threshold = Math.max(1, window / 4);
    }

    /** The window size. */
    public long window() {
        return window;
    }

    /** Records a received flow-controlled payload. */
    public void received(long n) {
        if (outstanding + n > window) {
            throw new FlowControlException("peer sent " + n + " bytes with " + outstanding
                    + " outstanding, beyond the window " + window);
        }
        outstanding += n;
    }

    /**
     * Records consumed payload bytes.
     *
     * @return the CREDIT increment to send now, or 0 to wait for more
     */
    public long consumed(long n) {
        outstanding -= n;
        consumedUnreported += n;
        if (consumedUnreported < threshold) {
            return 0;
        }
        long inc = consumedUnreported;
        consumedUnreported = 0;
        return inc;
    }
}
