package dev.delta.protocol.handler;

/** The peer sent flow-controlled bytes beyond the credit it was given, or returned too much credit. */
public final class FlowControlException extends RuntimeException {
    /** With a message naming the numbers. */
    public FlowControlException(String message) {
        super(message);
    }
}
