package dev.delta.node.origin;

import dev.delta.engine.plan.ChangeAction;
import dev.delta.engine.plan.ManifestDiff;

/**
 * What a publish did.
 *
 * @param version    the version now current (the existing one when nothing changed)
 * @param created    whether a new version was created
 * @param diff       changes against the previous version (everything added for the first)
 * @param bytesTotal size of the dataset
 * @param bytesNew   bytes copied in from the source (not linked or copied from earlier releases)
 * @param rootDigest hex root digest of the current version
 * @param signed     whether the current version's manifest is signed
 * @param signedNow  whether nothing changed but the current version, unsigned until now, got signed
 * @param durationMs wall time
 */
public record PublishResult(long version, boolean created, ManifestDiff diff, long bytesTotal, long bytesNew,
                            String rootDigest, boolean signed, boolean signedNow, long durationMs) {
    /** Paths (files, directories, symlinks) with this action. */
    public int count(ChangeAction a) {
        return diff.count(a);
    }
}
