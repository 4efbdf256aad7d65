/**
 * Serving a node's releases to peers (an origin to its edges, an edge to the edges below it):
 * manifests (full or as deltas, with the origin's signature), byte ranges of retained releases,
 * and announcements of new versions.
 */
package dev.delta.node.release;
