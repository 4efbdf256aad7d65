package dev.delta.protocol.client;

import dev.delta.engine.patch.PatchFormatException;
import dev.delta.engine.patch.RefPatch;
import dev.delta.protocol.wire.ProtocolVersion;
import dev.delta.protocol.wire.RangeReference;
import io.netty.buffer.ByteBufUtil;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A GET_RANGES, or a GET_FILES (one range: the files one after the other): checks that DATA covers
 * the ranges exactly, in order, and hands pieces on.
 */
final class RangeRequest extends Pending<RangeResult> {
    private final String dataset;
    private final long datasetVersion;
    private final String path;
    private final List<ByteRange> ranges;
    private final RangeHandler handler;
    private final RangeReference reference;
    private final ReferenceReader reader;
    /** The files of a GET_FILES, or null for a GET_RANGES. */
    private final int[] files;
    private boolean referenceSent;
    private int index;
    private long position;
    private long bytes;
    private int pieces;
    private long patchedBytes;
    /** The window of range {@code windowFor}, read when its first patch arrived. */
    private int windowFor = -1;
    private ByteBuffer window;
    private byte[] scratch;

    RangeRequest(String dataset, long version, String path, List<ByteRange> ranges, RangeHandler handler) {
        this(dataset, version, path, ranges, null, null, handler);
    }

    /** With a reference the server may patch against (used only on a version 2 connection). */
    RangeRequest(String dataset, long version, String path, List<ByteRange> ranges, RangeReference reference,
                 ReferenceReader reader, RangeHandler handler) {
        this.dataset = dataset;
        this.datasetVersion = version;
        this.path = path;
        this.ranges = List.copyOf(ranges);
        this.handler = handler;
        this.reference = reference;
        this.reader = reader;
        this.files = null;
        this.position = this.ranges.get(0).offset();
    }

    /** A GET_FILES of {@code files}, whose sizes add up to {@code totalBytes}. */
    RangeRequest(String dataset, long version, int[] files, long totalBytes, RangeHandler handler) {
        this.dataset = dataset;
        this.datasetVersion = version;
        this.path = files.length + " files";
        this.ranges = List.of(new ByteRange(0, totalBytes));
        this.handler = handler;
        this.reference = null;
        this.reader = null;
        this.files = files.clone();
        this.position = 0;
    }

    @Override
    Message request(int requestId) {
        if (files != null) {
            return new GetFiles(requestId, dataset, datasetVersion, files);
        }
        referenceSent = reference != null && version >= ProtocolVersion.REFERENCES;
        return new GetRanges(requestId, dataset, datasetVersion, path, ranges, referenceSent ? reference : null);
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
        if (d.offset() + d.rawLength() > r.end() || (!d.patch() && d.content().readableBytes() != d.rawLength())) {
            throw protocol("DATA of " + d.rawLength() + " bytes at " + d.offset() + " overruns range ending at "
                    + r.end());
        }
        try {
            if (d.patch()) {
                handler.onData(index, d.offset(), unpatch(d));
                patchedBytes += d.rawLength();
            } else {
                deliver(d.offset(), d.content());
            }
        } catch (DeltaException e) {
            throw e;
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
        closeReader();
        future.complete(new RangeResult(bytes, pieces, patchedBytes));
        return true;
    }

    @Override
    void fail(DeltaException e) {
        closeReader();
        super.fail(e);
    }

    private void closeReader() {
        if (reader != null) {
            window = null;
            try {
                reader.close();
            } catch (Exception ignored) {
                // only read from
            }
        }
    }

    /** The piece a PATCH frame describes, rebuilt against the range's window. */
    private ByteBuffer unpatch(Data d) throws Exception {
        if (!referenceSent) {
            throw protocol("PATCH for " + path + ", which was requested without a reference");
        }
        RangeReference.Window w = reference.windows().get(index);
        if (w.length() == 0) {
            throw protocol("PATCH for range " + index + " of " + path + ", which has no reference window");
        }
        if (windowFor != index) {
            window = reader.read(w.offset(), w.length());
            windowFor = index;
            if (window.remaining() != w.length()) {
                throw new DeltaException(ErrorKind.HANDLER_FAILED, "reference reader gave " + window.remaining()
                        + " bytes for a window of " + w.length());
            }
        }
        int n = d.rawLength();
        if (scratch == null || scratch.length < n) { // per request: sized to its pieces, not a fixed floor
            scratch = new byte[(Math.max(n, scratch == null ? 0 : 2 * scratch.length) + 4095) & ~4095];
        }
        ByteBuf c = d.content();
        ByteBuffer patch = c.nioBufferCount() == 1 ? c.nioBuffer() : ByteBuffer.wrap(ByteBufUtil.getBytes(c));
        ByteBuffer out = ByteBuffer.wrap(scratch, 0, n);
        try {
            RefPatch.apply(patch, window, out, n);
        } catch (PatchFormatException e) {
            throw protocol("bad patch for " + path + " at " + d.offset() + ": " + e.getMessage());
        }
        return out.flip().asReadOnlyBuffer();
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
