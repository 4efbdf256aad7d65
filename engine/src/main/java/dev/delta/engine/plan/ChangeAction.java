package dev.delta.engine.plan;

/** What happens to one path between two manifests. The label is used in JSON and in human output. */
public enum ChangeAction {
    /** Present only in the new manifest. */
    ADD("add"),
    /** A file or symlink whose content (or target) changed. */
    UPDATE("update"),
    /** Present only in the old manifest. */
    DELETE("delete"),
    /** Same content, different mode or mtime. */
    METADATA("metadata"),
    /** The path changed type (file, dir, symlink). */
    TYPE_CHANGE("type-change"),
    /** Identical. */
    UNCHANGED("unchanged");

    private final String label;

    ChangeAction(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
