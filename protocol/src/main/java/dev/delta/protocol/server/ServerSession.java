package dev.delta.protocol.server;

import dev.delta.protocol.handler.Errors;
import dev.delta.protocol.handler.SendCredit;
import dev.delta.protocol.wire.ByteRange;
import dev.delta.protocol.wire.Bye;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.GetFiles;
import dev.delta.protocol.wire.GetManifest;
import dev.delta.protocol.wire.GetRanges;
import dev.delta.protocol.wire.Announce;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.PeerText;
import dev.delta.protocol.wire.ProtocolVersion;
import dev.delta.protocol.wire.RangeReference;
import dev.delta.protocol.wire.Subscribe;
import dev.delta.protocol.wire.Unsubscribe;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

import java.util.HashMap;
import java.util.Map;

/** Serves an authenticated connection: requests in, ANNOUNCE, MANIFEST, DATA and ERROR out. */
final class ServerSession extends SimpleChannelInboundHandler<Message> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerSession.class);
    private final DatasetService service;
    private final ServerConfig config;
    private final String keyId;
    private final OutboundPump pump;
    private final Map<Integer, AutoCloseable> subscriptions = new HashMap<>();
    /** Subscriptions one connection may hold (a node subscribes once per dataset it follows). */
    static final int MAX_SUBSCRIPTIONS = 256;
    private final int piece;
    private final int version;
    private boolean closing;
    /** Refusals of authenticated requests: a line each, within a budget a busy peer cannot flood. */
    static final LogBudget REFUSALS = new LogBudget(20, java.time.Duration.ofSeconds(10));
    private final long connectedNanos = System.nanoTime();
    private long requests;
    private String failure;

    ServerSession(DatasetService service, ServerConfig config, String keyId, long clientWindow, int piece,
                  int version) {
        this.version = version;
        this.service = service;
        this.config = config;
        this.keyId = keyId;
        this.piece = piece;
        this.pump = new OutboundPump(new SendCredit(clientWindow), piece);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
        if (closing) {
            return;
        }
        if (msg instanceof GetRanges || msg instanceof GetFiles || msg instanceof GetManifest
                || msg instanceof Subscribe) {
            requests++;
        }
        if (msg instanceof GetRanges g) {
            onGetRanges(ctx, g);
        } else if (msg instanceof GetFiles g) {
            onGetFiles(ctx, g);
        } else if (msg instanceof GetManifest g) {
            onGetManifest(ctx, g);
        } else if (msg instanceof Credit c) {
            pump.addCredit(c.increment());
        } else if (msg instanceof Subscribe s) {
            onSubscribe(ctx, s);
        } else if (msg instanceof Unsubscribe u) {
            closeQuietly(subscriptions.remove(u.requestId()));
        } else if (msg instanceof Bye) {
            closing = true;
        } else if (msg instanceof ErrorMessage e) {
            ctx.close();
        } else {
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, msg.type() + " is not a request");
            return;
        }
        pumpOrFinish(ctx);
    }

    private void pumpOrFinish(ChannelHandlerContext ctx) {
        pump.pump(ctx);
        if (closing && pump.isEmpty()) {
            ctx.writeAndFlush(new Bye()).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private boolean admit(ChannelHandlerContext ctx, int requestId, String dataset) {
        if (!service.authorize(keyId, dataset)) {
            refuse(ctx, requestId, ErrorCode.FORBIDDEN, "key " + keyId + " may not read dataset " + dataset);
            return false;
        }
        if (pump.active() >= config.maxConcurrentRequests()) {
            refuse(ctx, requestId, ErrorCode.LIMIT_EXCEEDED, "more than " + config.maxConcurrentRequests()
                    + " requests at once");
            return false;
        }
        return true;
    }

    private void onGetRanges(ChannelHandlerContext ctx, GetRanges g) {
        if (!admit(ctx, g.requestId(), g.dataset())) {
            return;
        }
        RangeSource source;
        try {
            source = service.openFile(g.dataset(), g.version(), g.path());
        } catch (DatasetException e) {
            refuse(ctx, g.requestId(), e.code(), e.getMessage());
            return;
        }
        long size = source.size();
        for (ByteRange r : g.ranges()) {
            if (r.end() > size) {
                closeQuietly(source);
                refuse(ctx, g.requestId(), ErrorCode.RANGE_INVALID, "range [" + r.offset() + ", " + r.end()
                        + ") lies outside " + g.path() + " of " + size + " bytes");
                return;
            }
        }
        RangeReference ref = g.reference();
        if (ref != null && version < ProtocolVersion.REFERENCES) {
            closeQuietly(source);
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "GET_RANGES with a reference needs protocol version "
                    + ProtocolVersion.REFERENCES + ", this connection speaks " + version);
            return;
        }
        pump.add(new RangeJob(g.requestId(), source, g.ranges(), piece, ref == null ? null : reference(g, ref)));
    }

    private void onGetFiles(ChannelHandlerContext ctx, GetFiles g) {
        if (version < ProtocolVersion.FILE_GROUPS) {
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "GET_FILES needs protocol version "
                    + ProtocolVersion.FILE_GROUPS + ", this connection speaks " + version);
            return;
        }
        if (!admit(ctx, g.requestId(), g.dataset())) {
            return;
        }
        RangeSource source;
        try {
            source = service.openFiles(g.dataset(), g.version(), g.files());
        } catch (DatasetException e) {
            refuse(ctx, g.requestId(), e.code(), e.getMessage());
            return;
        }
        long size = source.size();
        if (size <= 0 || size > ByteRange.MAX_LENGTH) {
            closeQuietly(source);
            refuse(ctx, g.requestId(), size <= 0 ? ErrorCode.RANGE_INVALID : ErrorCode.LIMIT_EXCEEDED,
                    size <= 0 ? "the files named hold no bytes" : "the files named hold " + size + " bytes, more than "
                            + ByteRange.MAX_LENGTH + " in one request");
            return;
        }
        pump.add(new RangeJob(g.requestId(), source, java.util.List.of(new ByteRange(0, size)), piece, null));
    }

    /** Bytes of reference windows any request may have read, beyond {@link #WINDOW_BYTES_PER_BYTE} per byte asked for. */
    static final long WINDOW_BYTES_BASE = 1 << 20;
    /** Bytes of reference windows a request may have read per byte of its ranges, beyond {@link #WINDOW_BYTES_BASE}. */
    static final int WINDOW_BYTES_PER_BYTE = 64;

    /**
     * Opens a request's reference. It only makes answers smaller, so a reference this node cannot
     * open (a pruned version, another path) or a window past its end is simply not used.
     *
     * <p>Neither is a window past the request's budget: {@link #WINDOW_BYTES_BASE} plus
     * {@link #WINDOW_BYTES_PER_BYTE} times the bytes of its ranges, taken by the windows in order.
     * The server reads and indexes each window it uses, and a window may be 1 MiB for a range of
     * one byte; without a budget, 65,535 such ranges made one request of a few hundred KB cost 64
     * GiB of reading for 64 KiB sent. An edge's own windows stay far within it (at most 256 KiB,
     * about the size of the edit they anchor).
     */
    private RangeJob.Reference reference(GetRanges g, RangeReference ref) {
        String path = ref.path().isEmpty() ? g.path() : ref.path();
        RangeSource source;
        try {
            source = service.openReference(g.dataset(), ref.version(), path);
        } catch (DatasetException e) {
            LOG.debug("reference {} v{} not used: {}", path, ref.version(), e.getMessage());
            return null;
        }
        long size = source.size();
        long budget = WINDOW_BYTES_BASE;
        for (ByteRange r : g.ranges()) {
            budget += WINDOW_BYTES_PER_BYTE * r.length();
        }
        java.util.List<RangeReference.Window> windows = new java.util.ArrayList<>(ref.windows().size());
        int dropped = 0;
        for (RangeReference.Window w : ref.windows()) {
            if (w.length() == 0 || w.end() > size) {
                windows.add(RangeReference.NONE);
            } else if (w.length() > budget) {
                windows.add(RangeReference.NONE);
                dropped++;
            } else {
                windows.add(w);
                budget -= w.length();
            }
        }
        if (dropped > 0) {
            LOG.debug("{} window(s) of a request for {} not used: past the request's budget", dropped, g.path());
        }
        return new RangeJob.Reference(source, windows);
    }

    private void onGetManifest(ChannelHandlerContext ctx, GetManifest g) {
        if (!admit(ctx, g.requestId(), g.dataset())) {
            return;
        }
        try {
            ManifestStream s = service.openManifest(g.dataset(), g.version(), g.haveVersion());
            if (s.length() > config.limits().maxManifestBytes()) {
                closeQuietly(s);
                refuse(ctx, g.requestId(), ErrorCode.LIMIT_EXCEEDED, "manifest of " + s.length() + " bytes");
                return;
            }
            pump.add(new ManifestJob(g.requestId(), s, piece));
        } catch (DatasetException e) {
            refuse(ctx, g.requestId(), e.code(), e.getMessage());
        }
    }

    private void onSubscribe(ChannelHandlerContext ctx, Subscribe s) {
        if (!service.authorize(keyId, s.dataset())) {
            refuse(ctx, s.requestId(), ErrorCode.FORBIDDEN, "key " + keyId + " may not read dataset " + s.dataset());
            return;
        }
        if (subscriptions.containsKey(s.requestId())) {
            refuse(ctx, s.requestId(), ErrorCode.PROTOCOL_ERROR, "request id already subscribed");
            return;
        }
        if (subscriptions.size() >= MAX_SUBSCRIPTIONS) {
            // A node follows a few datasets; a flood of SUBSCRIBEs cost the server memory and
            // every other subscriber time (each adds to and copies the dataset's listener list).
            refuse(ctx, s.requestId(), ErrorCode.LIMIT_EXCEEDED, "more than " + MAX_SUBSCRIPTIONS
                    + " subscriptions on one connection");
            return;
        }
        try {
            int id = s.requestId();
            subscriptions.put(id, service.subscribe(s.dataset(), (dataset, version, root) ->
                    ctx.executor().execute(() -> {
                        if (subscriptions.containsKey(id) && ctx.channel().isActive()) {
                            ctx.writeAndFlush(new Announce(id, dataset, version, root));
                        }
                    })));
        } catch (DatasetException e) {
            subscriptions.remove(s.requestId());
            refuse(ctx, s.requestId(), e.code(), e.getMessage());
        }
    }

    /** Answers a request with an ERROR, and logs it: an unknown dataset, a pruned version, a forbidden key. */
    private void refuse(ChannelHandlerContext ctx, int requestId, ErrorCode code, String message) {
        String text = message == null ? code.name() : message;
        REFUSALS.warn(LOG, "peer {} ('{}'): request refused, {}: {}", ctx.channel().remoteAddress(),
                PeerText.printable(keyId), code, PeerText.printable(text));
        ctx.write(new ErrorMessage(requestId, code.code(), text));
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            pumpOrFinish(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        long ms = (System.nanoTime() - connectedNanos) / 1_000_000;
        LOG.info("peer {} ('{}') disconnected after {}.{} s, {} request(s){}", ctx.channel().remoteAddress(),
                PeerText.printable(keyId), ms / 1000, (ms % 1000) / 100, requests,
                failure == null ? "" : "; " + failure);
        pump.closeAll();
        subscriptions.values().forEach(ServerSession::closeQuietly);
        subscriptions.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) { // told in the disconnect line: a reset link, a malformed frame
            failure = Errors.classify(cause) + ": " + PeerText.printable(String.valueOf(cause.getMessage()));
        }
        Errors.closeWithError(ctx, Errors.classify(cause), String.valueOf(cause.getMessage()));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a finished subscription or file cannot be retried
        }
    }
}
