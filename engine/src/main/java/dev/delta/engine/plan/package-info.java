/**
 * What to do to get from one version to another: per-path diffs, the chunks an edge lacks, and
 * range plans that say, for each file to assemble, which bytes are copied from local files and
 * which must be fetched.
 */
package dev.delta.engine.plan;
