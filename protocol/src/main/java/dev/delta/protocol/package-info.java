/** Delta wire protocol (see docs/protocol.md, to come). */
package dev.delta.protocol;
