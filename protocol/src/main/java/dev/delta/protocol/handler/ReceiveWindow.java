package dev.delta.protocol.handler;

/**
 * Receiver side of credit-based flow control. Tracks payload bytes received but not yet credited
 * back: a sender that keeps to the rules never has more than the window uncredited, so more is a
 * {@link FlowControlException}. Consumed bytes are batched into CREDIT increments of at least a
 * quarter window, so a fast receiver returns credit in few frames. Not thread-safe.
 */
public final class ReceiveWindow {
    private final long window;
    private final long threshold;
    private long uncredited;
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
        if (uncredited + n > window) {
            throw new FlowControlException("peer sent " + n + " bytes with " + uncredited
                    + " already uncredited, beyond the window " + window);
        }
        uncredited += n;
    }

    /**
     * Records consumed payload bytes.
     *
     * @return the CREDIT increment to send now, or 0 to wait for more
     */
    public long consumed(long n) {
        consumedUnreported += n;
        if (consumedUnreported < threshold) {
            return 0;
        }
        long inc = consumedUnreported;
        consumedUnreported = 0;
        uncredited -= inc;
        return inc;
    }
}
