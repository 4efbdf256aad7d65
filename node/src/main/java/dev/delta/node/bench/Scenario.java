package dev.delta.node.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The benchmark scenarios: each has an "old" state the receivers hold and a "new" one they must reach. */
public enum Scenario {
    SOURCE_TREE("source-tree", 1, "nested text files; release-like update: 2% edited inside, some added, removed, renamed"),
    BIG_FILE_SCATTERED("big-file-scattered", 1, "one big file; hundreds of small in-place edits spread through it"),
    BIG_FILE_INSERT("big-file-insert", 1, "one big file; bytes inserted near the start (shifts everything after)"),
    RELEASE_TAR("release-tar", 1, "the source-tree release packed as one tar file each (old and new)"),
    NO_CHANGE("no-change", 1, "source tree plus a big file; nothing changed"),
    COLD("cold", 1, "source tree to an empty receiver"),
    RENAME_HEAVY("rename-heavy", 1, "source tree; a quarter of the directories moved or renamed"),
    FANOUT_4("fanout-4", 4, "source-tree update to four receivers in parallel");

    private final String label;
    private final int receivers;
    private final String description;

    Scenario(String label, int receivers, String description) {
        this.label = label;
        this.receivers = receivers;
        this.description = description;
    }

    /** The name used on the command line and in reports. */
    public String label() {
        return label;
    }

    /** How many receivers (edges, rsync clients) sync in parallel. */
    public int receivers() {
        return receivers;
    }

    /** Whether publishing the new tree makes a new version (not so for an unchanged tree). */
    public boolean publishesNewVersion() {
        return this != NO_CHANGE;
    }

    public String description() {
        return description;
    }

    /** Parses a scenario name such as {@code source-tree}. */
    public static Scenario parse(String name) {
        for (Scenario s : values()) {
            if (s.label.equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "'; one of: "
                + Arrays.stream(values()).map(Scenario::label).collect(Collectors.joining(", ")));
    }
}
