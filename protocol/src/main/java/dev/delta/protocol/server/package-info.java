/**
 * The serving side: {@link dev.delta.protocol.server.DeltaServer} accepts connections, runs the
 * handshake and answers requests from a {@link dev.delta.protocol.server.DatasetService} that the
 * node layer implements, without any Netty type in its signatures.
 */
package dev.delta.protocol.server;
