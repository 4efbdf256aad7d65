package dev.delta.protocol.server;

import java.nio.ByteBuffer;

/**
 * A piece's answer as a reference patch computed before it was asked for: an origin encodes the
 * patches of an update once, when it publishes, and every edge that follows gets the same bytes
 * ({@link RangeSource#storedPatch}).
 *
 * @param compressed whether {@code content} is the patch in LZ4 with its raw length first (DATA
 *                   flag COMPRESSED), as {@link PatchEncoding} writes it
 * @param content    the DATA content, sent as it is
 */
public record StoredPatch(boolean compressed, ByteBuffer content) {
}
