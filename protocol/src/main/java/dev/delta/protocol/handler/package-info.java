/**
 * Channel handlers shared by client and server: wire byte counting, keep-alive pings and the
 * credit-based flow-control bookkeeping.
 */
package dev.delta.protocol.handler;
