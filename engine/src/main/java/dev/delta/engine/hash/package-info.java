/** Chunk ids (XXH3-128) and SHA-256 digests. */
package dev.delta.engine.hash;
