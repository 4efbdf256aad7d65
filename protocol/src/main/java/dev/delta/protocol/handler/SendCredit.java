package dev.delta.protocol.handler;

/**
 * Sender side of credit-based flow control. The sender starts with the receiver's window and may
 * send a flow-controlled frame (DATA, MANIFEST) only while its payload fits in the credit left;
 * CREDIT frames add back what the receiver has consumed. Not thread-safe: used on one event loop.
 */
public final class SendCredit {
    private final long window;
    private long available;

    /** Starts with the receiver's whole window. */
    public SendCredit(long window) {
        this.window = window;
        this.available = window;
    }

    /** Credit left, in payload bytes. */
    public long available() {
        return available;
    }

    /** Whether {@code n} payload bytes may be sent now. */
    public boolean canSend(long n) {
        return n <= available;
    }

    /** Records {@code n} payload bytes sent. */
    public void consume(long n) {
        if (n > available) {
            throw new IllegalStateException("sending " + n + " bytes with only " + available + " credit");
        }
        available -= n;
    }

    /** Adds a CREDIT increment; more credit than the window is a peer error. */
    public void add(long increment) {
        if (increment <= 0 || available + increment > window) {
            throw new FlowControlException("CREDIT of " + increment + " with " + available
                    + " available exceeds the window " + window);
        }
        available += increment;
    }
}
