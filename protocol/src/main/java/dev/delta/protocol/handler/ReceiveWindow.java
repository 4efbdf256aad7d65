package dev.delta.protocol.handler;

/**
 * Receiver side of credit-based flow control. Tracks payload bytes received but not yet credited
 * back: a sender that keeps to the rules never has more than the window uncredited, so more is a
 * {@link FlowControlException}. Consumed bytes are batched into CREDIT increments of at least half
 * the window, so a fast receiver returns credit in few frames: each CREDIT costs both ends a
 * write, a wake-up and a read, and lets the sender write a batch at once. The increment is
 * smaller when the window is less than twice the largest payload, because a sender waits for
 * credit covering a whole piece: what is held back must leave at least that much. Not thread-safe.
 */
public final class ReceiveWindow {
    private final long window;
    private final long threshold;
    private long uncredited;
    private long consumedUnreported;

    /** A window of {@code window} payload bytes for frames of any payload up to half of it. */
    public ReceiveWindow(long window) {
        this(window, window / 2);
    }

    /** A window of {@code window} payload bytes for frames of at most {@code maxPayload} each. */
    public ReceiveWindow(long window, long maxPayload) {
        this.window = window;
        this.threshold = Math.max(1, Math.min(window / 2, window - maxPayload));
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
