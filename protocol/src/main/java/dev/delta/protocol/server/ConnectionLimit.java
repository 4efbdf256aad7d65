package dev.delta.protocol.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the connections a server holds open: in all, and from one address. A connection over
 * either cap is closed as soon as it is accepted, before a byte is read, with a line in the log
 * (summed up under a flood). Without it, a few hundred connections that each keep requests
 * pending, or idle ones opened faster than the handshake timeout closes them, exhausted the
 * process's open files, and the server could accept no one.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectionLimit.class);
    /** A connection this limit counted, and the address it was counted under (null: not an IP socket). */
    private record Counted(InetAddress host) {
    }

    private static final io.netty.util.AttributeKey<Counted> COUNTED =
            io.netty.util.AttributeKey.valueOf("delta.connection-counted");

    private final int total;
    private final int perHost;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> byHost = new ConcurrentHashMap<>();
    private final LogBudget refusals = new LogBudget(10, java.time.Duration.ofSeconds(10));

    ConnectionLimit(int total, int perHost) {
        this.total = total;
        this.perHost = perHost;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        SocketAddress remote = ctx.channel().remoteAddress();
        InetAddress host = remote instanceof InetSocketAddress a ? a.getAddress() : null;
        int all = open.incrementAndGet();
        AtomicInteger mine = host == null ? null : byHost.computeIfAbsent(host, h -> new AtomicInteger());
        int fromHost = mine == null ? 0 : mine.incrementAndGet();
        ctx.channel().attr(COUNTED).set(new Counted(host));
        if (all > total || fromHost > perHost) {
            refusals.warn(LOG, "peer {} refused: {}", remote, all > total
                    ? all - 1 + " connections open, the limit is " + total
                    : fromHost - 1 + " connections open from " + (host == null ? "it" : host.getHostAddress())
                    + ", the limit per address is " + perHost);
            ctx.close(); // channelInactive gives the counts back
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Counted c = ctx.channel().attr(COUNTED).getAndSet(null);
        if (c != null) {
            InetAddress host = c.host();
            open.decrementAndGet();
            if (host != null) {
                byHost.computeIfPresent(host, (h, n) -> n.decrementAndGet() <= 0 ? null : n);
            }
        }
        super.channelInactive(ctx);
    }

    /** Connections counted as open now; for tests. */
    int open() {
        return open.get();
    }
}
