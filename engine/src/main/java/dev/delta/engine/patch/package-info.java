/** Pieces of a new file encoded as edits against bytes the receiver already holds ({@link dev.delta.engine.patch.RefPatch}). */
package dev.delta.engine.patch;
