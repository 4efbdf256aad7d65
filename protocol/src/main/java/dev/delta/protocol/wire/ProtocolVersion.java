package dev.delta.protocol.wire;

/** Protocol versions; a HELLO names a range and the server picks the highest version both speak. */
public final class ProtocolVersion {
    /** Version this implementation speaks best. */
    public static final int CURRENT = 3;
    /** First version with reference patches (GET_RANGES REFERENCED, DATA PATCH). */
    public static final int REFERENCES = 2;
    /** First version with GET_FILES: several whole files in one request. */
    public static final int FILE_GROUPS = 3;
    /** Oldest version this implementation still accepts. */
    public static final int LOWEST_COMPATIBLE = 1;

    private ProtocolVersion() {
    }

    /**
     * Chooses the version for a peer offering {@code [min, max]}.
     *
     * @return the chosen version, or -1 if the ranges do not overlap
     */
    public static int negotiate(int min, int max) {
        int chosen = Math.min(max, CURRENT);
        return chosen >= Math.max(min, LOWEST_COMPATIBLE) ? chosen : -1;
    }
}
