package dev.delta.protocol.client;

import dev.delta.protocol.handler.Errors;
import dev.delta.protocol.handler.ReceiveWindow;
import dev.delta.protocol.wire.Announce;
import dev.delta.protocol.wire.Bye;
import dev.delta.protocol.wire.Credit;
import dev.delta.protocol.wire.Data;
import dev.delta.protocol.wire.ErrorCode;
import dev.delta.protocol.wire.ErrorMessage;
import dev.delta.protocol.wire.ManifestPart;
import dev.delta.protocol.wire.Message;
import dev.delta.protocol.wire.Ping;
import dev.delta.protocol.wire.Pong;
import dev.delta.protocol.wire.Subscribe;
import dev.delta.protocol.wire.Unsubscribe;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An authenticated client connection: numbers requests, bounds how many are in flight, routes
 * answers to them, returns flow-control credit and fails what is left when the connection ends.
 * Every method runs on the channel's event loop.
 */
final class ClientSession extends SimpleChannelInboundHandler<Message> {
    private final ClientConfig config;
    private final ReceiveWindow window;
    private final Map<Integer, Pending<?>> active = new HashMap<>();
    private final ArrayDeque<Pending<?>> waiting = new ArrayDeque<>();
    private final Map<Integer, AnnouncementListener> subscriptions = new HashMap<>();
    private final Map<Long, CompletableFuture<Duration>> pings = new HashMap<>();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timeoutCheck;
    private int nextId = 1;
    /** When a frame last came for any request (the event loop's thread only, as all fields here). */
    private long lastAnswerNanos = System.nanoTime();
    private DeltaException closed;

    private final int version;

    ClientSession(ClientConfig config) {
        this(config, 1);
    }

    ClientSession(ClientConfig config, int version) {
        this.config = config;
        this.version = version;
        this.window = new ReceiveWindow(config.receiveWindow(), config.limits().maxDataLength());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        long period = Math.max(50, config.requestTimeout().toMillis() / 4);
        timeoutCheck = ctx.executor().scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
    }

    /** The protocol version the handshake settled on. */
    int version() {
        return version;
    }

    /** The receive window, for tests in this package. */
    ReceiveWindow window() {
        return window;
    }

    void submit(Pending<?> p) {
        if (closed != null) {
            p.fail(closed);
        } else if (active.size() < config.maxInFlight()) {
            send(p);
        } else {
            waiting.add(p);
        }
    }

    private void send(Pending<?> p) {
        int id = nextId();
        p.lastProgressNanos = System.nanoTime();
        active.put(id, p);
        p.version = version;
        ctx.writeAndFlush(p.request(id));
    }

    private int nextId() {
        int id = nextId++;
        if (nextId == 0) {
            nextId = 1;
        }
        return id;
    }

    void subscribe(String dataset, AnnouncementListener listener, CompletableFuture<Integer> id) {
        if (closed != null) {
            listener.onClosed(closed);
            id.completeExceptionally(closed);
            return;
        }
        int n = nextId();
        subscriptions.put(n, listener);
        ctx.writeAndFlush(new Subscribe(n, dataset));
        id.complete(n);
    }

    void unsubscribe(int id, String dataset) {
        if (subscriptions.remove(id) != null && closed == null) {
            ctx.writeAndFlush(new Unsubscribe(id, dataset));
        }
    }

    void ping(CompletableFuture<Duration> result) {
        if (closed != null) {
            result.completeExceptionally(closed);
            return;
        }
        long nonce = System.nanoTime() & Long.MAX_VALUE;
        pings.put(nonce, result);
        ctx.writeAndFlush(new Ping(nonce));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
        if (msg instanceof Data d) {
            window.received(d.rawLength());
            deliver(d.requestId(), d, d.rawLength());
        } else if (msg instanceof ManifestPart p) {
            window.received(p.content().readableBytes());
            deliver(p.requestId(), p, p.content().readableBytes());
        } else if (msg instanceof Announce a) {
            AnnouncementListener l = subscriptions.get(a.requestId());
            if (l != null) {
                l.onAnnounce(new Announcement(a.dataset(), a.version(), a.rootDigest()));
            }
        } else if (msg instanceof ErrorMessage e) {
            onError(e);
        } else if (msg instanceof Pong p) {
            CompletableFuture<Duration> f = pings.remove(p.nonce());
            if (f != null) {
                f.complete(Duration.ofNanos((System.nanoTime() & Long.MAX_VALUE) - p.nonce()));
            }
        } else if (!(msg instanceof Bye)) {
            Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, "unexpected " + msg.type() + " from the server");
        }
    }

    private void deliver(int requestId, Message m, long payload) {
        Pending<?> p = active.get(requestId);
        if (p != null) {
            p.lastProgressNanos = System.nanoTime();
            lastAnswerNanos = p.lastProgressNanos;
            try {
                boolean done = m instanceof Data d ? p.onData(d) : p.onManifest((ManifestPart) m);
                if (done) {
                    finish(requestId);
                }
            } catch (DeltaException e) {
                finish(requestId);
                p.fail(e);
                if (e.kind() == ErrorKind.PROTOCOL_ERROR) {
                    Errors.closeWithError(ctx, ErrorCode.PROTOCOL_ERROR, e.getMessage());
                }
            }
        }
        long credit = window.consumed(payload);
        if (credit > 0 && ctx.channel().isActive()) {
            ctx.writeAndFlush(new Credit(credit));
        }
    }

    private void finish(int requestId) {
        active.remove(requestId);
        while (!waiting.isEmpty() && active.size() < config.maxInFlight()) {
            send(waiting.poll());
        }
    }

    private void onError(ErrorMessage e) {
        DeltaException ex = DeltaException.remote(e.code(), e.message());
        if (e.requestId() == 0) {
            failAll(ex);
            ctx.close();
            return;
        }
        Pending<?> p = active.get(e.requestId());
        if (p != null) {
            finish(e.requestId());
            p.fail(ex);
        }
        AnnouncementListener l = subscriptions.remove(e.requestId());
        if (l != null) {
            l.onClosed(ex);
        }
    }

    /**
     * Fails the requests that went the request timeout without a frame, counting a frame for any
     * request of this connection as progress for all: the server interleaves its answers one piece
     * per request in turn, so on a slow link each of 16 requests in flight waits 16 pieces for its
     * next one (at 30 KB/s and 128 KiB pieces, 70 s), while the link is busy all along.
     */
    private void checkTimeouts() {
        long limit = config.requestTimeout().toNanos();
        long now = System.nanoTime();
        List<Integer> expired = new ArrayList<>();
        active.forEach((id, p) -> {
            if (now - Math.max(p.lastProgressNanos, lastAnswerNanos) > limit) {
                expired.add(id);
            }
        });
        for (int id : expired) {
            Pending<?> p = active.get(id);
            finish(id);
            p.fail(new DeltaException(ErrorKind.TIMEOUT, "no answer to request " + id + " within "
                    + config.requestTimeout()));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(new DeltaException(ErrorKind.PEER_CLOSED, "connection to " + config.host() + ":" + config.port()
                + " closed"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ErrorCode code = Errors.classify(cause);
        ErrorKind kind = code == ErrorCode.INTERNAL ? ErrorKind.PEER_CLOSED : ErrorKind.fromRemote(code);
        failAll(new DeltaException(kind, String.valueOf(cause.getMessage()), cause));
        Errors.closeWithError(ctx, code, String.valueOf(cause.getMessage()));
    }

    private void failAll(DeltaException e) {
        if (closed != null) {
            return;
        }
        closed = e;
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
        }
        List<Pending<?>> all = new ArrayList<>(active.values());
        all.addAll(waiting);
        active.clear();
        waiting.clear();
        all.forEach(p -> p.fail(e));
        subscriptions.values().forEach(l -> l.onClosed(e));
        subscriptions.clear();
        pings.values().forEach(f -> f.completeExceptionally(e));
        pings.clear();
    }
}
