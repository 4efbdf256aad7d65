/** The long-running node process: serves releases and, on an edge, follows the upstream. */
package dev.delta.node.serve;
