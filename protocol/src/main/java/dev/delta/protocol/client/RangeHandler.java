package dev.delta.protocol.client;

import java.nio.ByteBuffer;

/**
 * Receives the bytes of requested ranges as they arrive: for each range in request order,
 * contiguous ascending pieces that together cover it exactly (the client checks this). A piece is
 * a DATA frame's bytes, or part of them: a frame that arrived over several socket reads is handed
 * on as one piece per read buffer rather than copied into one.
 * Called on the connection's I/O thread; while it runs, the connection reads nothing and returns
 * no credit, so a slow handler slows only its own connection.
 */
@FunctionalInterface
public interface RangeHandler {
    /**
     * One piece.
     *
     * @param rangeIndex index of the range in the request
     * @param offset file offset of {@code data}'s first byte
     * @param data the raw bytes, valid only during the call (copy or write them out)
     */
    void onData(int rangeIndex, long offset, ByteBuffer data) throws Exception;
}
