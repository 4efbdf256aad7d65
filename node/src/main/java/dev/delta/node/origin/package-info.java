/** The origin role: publishing new versions of a dataset from a source directory. */
package dev.delta.node.origin;
