/** The edge role: bringing a dataset to an upstream's version, one-shot or following announcements. */
package dev.delta.node.edge;
