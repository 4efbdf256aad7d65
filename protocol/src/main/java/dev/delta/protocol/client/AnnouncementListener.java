package dev.delta.protocol.client;

/** Receives ANNOUNCEs of a subscription, on the connection's I/O thread. */
public interface AnnouncementListener {
    /** A new version. */
    void onAnnounce(Announcement announcement);

    /** The subscription ended: refused by the server or the connection closed. */
    default void onClosed(DeltaException reason) {
    }
}
