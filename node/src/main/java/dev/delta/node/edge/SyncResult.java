package dev.delta.node.edge;

/**
 * What one sync did.
 *
 * @param version          the version the dataset is at now (or would be, for a dry run)
 * @param previous         the version before, 0 for none
 * @param upToDate         nothing to do: the node already held the version
 * @param switched         whether {@code current} was moved (false when held by a rollback)
 * @param filesAdded       files added
 * @param filesUpdated     files whose content changed (type changes included)
 * @param filesDeleted     files deleted
 * @param bytesTotal       size of the version
 * @param bytesReusedLocal bytes taken from releases already on this node
 * @param bytesFetched     bytes fetched from upstream (payload, before compression)
 * @param bytesResumed     bytes found already verified in staging from an interrupted attempt
 * @param manifestBytes    bytes of the manifest or manifest delta received
 * @param wireReceived     bytes read from the socket
 * @param wireSent         bytes written to the socket
 * @param durationMs       wall time
 * @param alreadyStored    the version was stored here by an earlier sync and a rollback hold keeps
 *                         {@code current} where it is: nothing was built
 */
public record SyncResult(long version, long previous, boolean upToDate, boolean switched, int filesAdded,
                         int filesUpdated, int filesDeleted, long bytesTotal, long bytesReusedLocal, long bytesFetched,
                         long bytesResumed, long manifestBytes, long wireReceived, long wireSent, long durationMs,
                         boolean alreadyStored) {
    /** This result, for a version an earlier sync stored: nothing fetched, nothing changed here. */
    public SyncResult alreadyStoredHere() {
        return new SyncResult(version, previous, false, false, 0, 0, 0, bytesTotal, bytesReusedLocal, 0, 0,
                manifestBytes, wireReceived, wireSent, durationMs, true);
    }
}
