package dev.delta.protocol.client;

/** An active SUBSCRIBE; {@link #close()} sends UNSUBSCRIBE. */
public interface Subscription extends AutoCloseable {
    /** The dataset. */
    String dataset();

    @Override
    void close();
}
