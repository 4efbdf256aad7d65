/**
 * Releases on a node's disk: the layout of a dataset ({@code releases/vN}, the {@code current}
 * symlink, retained manifests, staging), building a release from a range plan with resume and
 * verification, atomic switching, rollback holds and retention.
 */
package dev.delta.engine.store;
