/**
 * Scanning a directory tree into a manifest: gitignore-style {@link dev.delta.engine.scan.IgnoreRules},
 * the two-phase {@link dev.delta.engine.scan.Scanner} (cheap walk, then parallel chunking) and the
 * persisted {@link dev.delta.engine.scan.FileStateCache} that lets a rescan of an unchanged tree
 * read nothing.
 */
package dev.delta.engine.scan;
