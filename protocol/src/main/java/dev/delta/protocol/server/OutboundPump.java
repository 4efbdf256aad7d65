package dev.delta.protocol.server;

import dev.delta.protocol.handler.SendCredit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import io.netty.channel.ChannelHandlerContext;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Interleaves the responses of one connection, one frame per job in turn, while the channel is
 * writable and the client's credit covers a whole piece. Credit counts payload bytes: the raw
 * length of DATA, the content of MANIFEST parts.
 */
final class OutboundPump {
    private final ArrayDeque<OutboundJob> jobs = new ArrayDeque<>();
    private final SendCredit credit;
    private final int maxPiece;
    /**
     * Payload written by one pump beyond which it flushes at once, past the connection's flush
     * consolidation: consolidation saves write calls for many small frames, but a pump that read a
     * lot (from a slow disk, say) must not leave it unsent until the rest of a batch of requests
     * has been read as well.
     */
    static final long FLUSH_NOW_BYTES = 256 * 1024;

    OutboundPump(SendCredit credit, int maxPiece) {
        this.credit = credit;
        this.maxPiece = maxPiece;
    }

    int active() {
        return jobs.size();
    }

    boolean isEmpty() {
        return jobs.isEmpty();
    }

    void add(OutboundJob job) {
        jobs.add(job);
    }

    void addCredit(long increment) {
        credit.add(increment);
    }

    /** Writes frames until a limit is hit, then flushes. */
    void pump(ChannelHandlerContext ctx) {
        boolean wrote = false;
        long bytes = 0;
        while (!jobs.isEmpty() && ctx.channel().isWritable() && credit.canSend(maxPiece)) {
            OutboundJob job = jobs.poll();
            Message m;
            try {
                m = job.next(ctx.alloc());
            } catch (DatasetException e) {
                job.close();
                ctx.write(new ErrorMessage(job.requestId(), e.code().code(), e.getMessage()));
                wrote = true;
                continue;
            } catch (IOException | RuntimeException e) {
                job.close();
                ctx.write(new ErrorMessage(job.requestId(), ErrorCode.INTERNAL.code(), "read failed: " + e));
                wrote = true;
                continue;
            }
            credit.consume(payload(m));
            bytes += payload(m);
            ctx.write(m, ctx.voidPromise());
            wrote = true;
            if (job.done()) {
                job.close();
            } else {
                jobs.add(job);
            }
        }
        if (!wrote) {
            return;
        }
        ChannelHandlerContext consolidation = bytes >= FLUSH_NOW_BYTES
                ? ctx.pipeline().context(ServerInitializer.FLUSH_CONSOLIDATION) : null;
        if (consolidation != null) {
            consolidation.flush(); // from the handler on toward the socket: not held back
        } else {
            ctx.flush();
        }
    }

    static long payload(Message m) {
        if (m instanceof Data d) {
            return d.rawLength();
        }
        return ((ManifestPart) m).content().readableBytes();
    }

    void closeAll() {
        for (OutboundJob j : jobs) {
            j.close();
        }
        jobs.clear();
    }
}
