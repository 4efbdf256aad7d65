package dev.delta.protocol;

import dev.delta.protocol.codec.Codec;
import dev.delta.protocol.wire.Limits;
import dev.delta.protocol.wire.Message;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** A plain blocking socket speaking frames, to see exactly what a server sends. */
public final class RawPeer implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;

    /** Connects to loopback. */
    public RawPeer(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends one message. */
    public void send(Message m) throws IOException {
        socket.getOutputStream().write(Codec.encode(m));
        socket.getOutputStream().flush();
    }

    /** Reads one frame, or null at end of stream. */
    public Message read() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        byte[] frame = new byte[4 + length];
        Unpooled.wrappedBuffer(frame).setInt(0, length);
        in.readFully(frame, 4, length);
        EmbeddedChannel ch = Codec.decoder(Limits.DEFAULT);
        try {
            return Codec.feed(ch, frame).get(0);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** Everything until the server closes. */
    public List<Message> readUntilClosed() throws IOException {
        List<Message> all = new ArrayList<>();
        for (Message m; (m = read()) != null; ) {
            all.add(m);
        }
        return all;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
