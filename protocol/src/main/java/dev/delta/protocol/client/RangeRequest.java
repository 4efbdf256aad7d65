package dev.delta.protocol.client;

import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.List;

/** A GET_RANGES: checks that DATA covers the ranges exactly, in order, and hands pieces on. */
final class RangeRequest extends Pending<RangeResult> {
    private final String dataset;
    private final long version;
    private final String path;
    private final List<ByteRange> ranges;
    private final RangeHandler handler;
    private int index;
    private long position;
    private long bytes;
    private int pieces;

    RangeRequest(String dataset, long version, String path, List<ByteRange> ranges, RangeHandler handler) {
        this.dataset = dataset;
        this.version = version;
        this.path = path;
        this.ranges = List.copyOf(ranges);
        this.handler = handler;
        this.position = this.ranges.get(0).offset();
    }

    @Override
    Message request(int requestId) {
        return new GetRanges(requestId, dataset, version, path, ranges);
    }

    @Override
    boolean onData(Data d) throws DeltaException {
        if (index >= ranges.size()) {
            throw protocol("DATA after every range of " + path + " was complete");
        }
        ByteRange r = ranges.get(index);
        if (d.rangeIndex() != index || d.offset() != position) {
            throw protocol("DATA for range " + d.rangeIndex() + " at " + d.offset() + ", expected range " + index
                    + " at " + position);
        }
        if (d.offset() + d.rawLength() > r.end() || d.content().readableBytes() != d.rawLength()) {
            throw protocol("DATA of " + d.rawLength() + " bytes at " + d.offset() + " overruns range ending at "
                    + r.end());
        }
        try {
            deliver(d.offset(), d.content());
        } catch (Exception e) {
            throw new DeltaException(ErrorKind.HANDLER_FAILED, "range handler failed: " + e.getMessage(), e);
        }
        position += d.rawLength();
        bytes += d.rawLength();
        pieces++;
        if (position == r.end() && ++index < ranges.size()) {
            position = ranges.get(index).offset();
        }
        if (!d.end()) {
            return false;
        }
        if (index != ranges.size()) {
            throw protocol("END after " + index + " of " + ranges.size() + " ranges");
        }
        future.complete(new RangeResult(bytes, pieces));
        return true;
    }

    /**
     * Hands the content on without copying it: content that spans several socket reads is a
     * composite buffer, and each of its parts goes to the handler as a piece of its own (asking
     * for one ByteBuffer would copy the whole piece into a new heap array).
     */
    private void deliver(long offset, ByteBuf content) throws Exception {
        if (content.nioBufferCount() == 1 || !content.isReadable()) {
            handler.onData(index, offset, content.nioBuffer().asReadOnlyBuffer());
            return;
        }
        long at = offset;
        for (ByteBuffer part : content.nioBuffers()) {
            int n = part.remaining();
            if (n > 0) {
                handler.onData(index, at, part.asReadOnlyBuffer());
                at += n;
            }
        }
    }
}
