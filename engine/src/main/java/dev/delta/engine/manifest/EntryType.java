package dev.delta.engine.manifest;

/** What a manifest entry describes. The code is the byte used in the binary encoding. */
public enum EntryType {
    FILE(0, "file"),
    DIR(1, "dir"),
    SYMLINK(2, "symlink");

    private final int code;
    private final String label;

    EntryType(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    /** Lower-case name used in JSON and in human output. */
    public String label() {
        return label;
    }

    /** The type with this code, or null if none. */
    public static EntryType ofCode(int code) {
        for (EntryType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
