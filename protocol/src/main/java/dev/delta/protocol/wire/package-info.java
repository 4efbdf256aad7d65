/**
 * Delta's wire format: the frame layout, message type and error code numbers, protocol versions,
 * limits and the decoded message values. Nothing here touches a socket; {@code docs/protocol.md}
 * is the prose version of these constants.
 */
package dev.delta.protocol.wire;
