/**
 * The fetching side: {@link dev.delta.protocol.client.DeltaClient} connects, authenticates and
 * offers manifests, ranges and announcements as {@link java.util.concurrent.CompletableFuture}s and
 * callbacks on plain {@link java.nio.ByteBuffer}s. Failures are
 * {@link dev.delta.protocol.client.DeltaException}s with a {@link dev.delta.protocol.client.ErrorKind}.
 */
package dev.delta.protocol.client;
