package dev.delta.engine.scan;

import dev.delta.engine.manifest.ManifestPath;

import java.util.Objects;

/**
 * A path the scanner could not put into the manifest, and why. The scan goes on without it;
 * the caller decides whether that is acceptable (a publish usually refuses, a dry run reports).
 *
 * @param path   the relative path as far as it could be decoded (it may be one Delta cannot
 *               represent, so print it with {@link ManifestPath#quote})
 * @param kind   what went wrong
 * @param reason a human-readable explanation
 */
public record ScanProblem(String path, Kind kind, String reason) {
    /** Broad classes of problems, so a caller can treat them differently. */
    public enum Kind {
        /** The name cannot be carried in a manifest (control character, backslash, bad encoding...). */
        INVALID_NAME,
        /** A FIFO, socket or device: not content, skipped. */
        UNSUPPORTED_TYPE,
        /** A file or directory that could not be read or listed. */
        UNREADABLE,
        /** The path disappeared between listing and reading. */
        VANISHED,
        /** The file kept changing while it was read; its content is not consistent. */
        CHANGED_DURING_SCAN,
        /** A symlink whose target cannot be carried in a manifest. */
        INVALID_SYMLINK
    }

    public ScanProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return ManifestPath.quote(path) + ": " + reason;
    }
}
