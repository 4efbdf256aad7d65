package dev.delta.node.serve;

import dev.delta.protocol.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionCapTest {
    @TempDir
    Path tmp;

    @Test
    void withoutMaxConnections_theOpenFileLimitDecides() {
        // 64 requests per connection: 66 files each, 512 kept for the rest of the process
        Node.ConnectionCap plenty = Node.connectionCap(0, 64, 1_048_576);
        assertEquals(ServerConfig.DEFAULT_MAX_CONNECTIONS, plenty.connections());
        assertTrue(plenty.note().isEmpty());

        Node.ConnectionCap some = Node.connectionCap(0, 64, 20_000);
        assertEquals((20_000 - 512) / 66, some.connections());
        assertFalse(some.warn());
        assertTrue(some.note().orElseThrow().startsWith("serving at most 295 connections at once: the open-file "
                + "limit (ulimit -n) is 20,000"), some.note().toString());
        assertTrue(some.note().orElseThrow().contains("raise it to 68,096"), some.note().toString());

        Node.ConnectionCap none = Node.connectionCap(0, 64, 300);
        assertEquals(1, none.connections(), "a node still serves one connection");
        assertTrue(none.warn());

        Node.ConnectionCap unknown = Node.connectionCap(0, 64, -1);
        assertEquals(ServerConfig.DEFAULT_MAX_CONNECTIONS, unknown.connections());
        assertTrue(unknown.note().isEmpty());
    }

    @Test
    void aConfiguredMaxConnectionsIsKept_withAWarningWhenTheLimitCannotHoldIt() {
        Node.ConnectionCap fits = Node.connectionCap(100, 64, 20_000);
        assertEquals(100, fits.connections());
        assertTrue(fits.note().isEmpty());

        Node.ConnectionCap over = Node.connectionCap(2000, 64, 20_000);
        assertEquals(2000, over.connections(), "the operator's number stands");
        assertTrue(over.warn());
        assertTrue(over.note().orElseThrow().startsWith("max_connections 2000: each connection may hold up to 66 "
                + "open files, but this process may open 20,000 files in all (ulimit -n), enough for 295"),
                over.note().toString());
    }

    /**
     * A real {@code delta serve} under {@code ulimit -n 1100} serves (1100 - 512) / 66 = 8
     * connections, says so at the start, and closes the ninth at once.
     */
    @Test
    void aServeProcessUnderALowLimitCapsItsConnections() throws Exception {
        Path cfg = tmp.resolve("origin.json");
        Files.writeString(cfg, "{\"role\": \"origin\", \"data_dir\": \"data\", \"listen\": \"127.0.0.1:0\", "
                + "\"secret\": \"a-long-enough-secret\"}");
        Path portFile = tmp.resolve("port");
        Path log = tmp.resolve("serve.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        String cmd = "ulimit -n 1100 && exec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' dev.delta.node.cli.Main serve --config '" + cfg + "' --port-file '" + portFile + "'";
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<Socket> open = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(portFile) && Files.size(portFile) > 0) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(portFile), "the node did not start: " + Files.readString(log));
            int port = Integer.parseInt(Files.readString(portFile).strip());
            assertTrue(Files.readString(log).contains("serving at most 8 connections at once: the open-file limit "
                    + "(ulimit -n) is 1,100"), Files.readString(log));
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                open.add(s);
            }
            for (Socket s : open) {
                assertTrue(stillOpen(s), "a connection within the cap was closed");
            }
            try (Socket ninth = new Socket()) {
                ninth.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                ninth.setSoTimeout(5000);
                assertEquals(-1, ninth.getInputStream().read(), "the ninth connection is closed at once");
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Whether the server has not closed {@code s} (nothing to read within a moment, no end of stream). */
    private static boolean stillOpen(Socket s) throws Exception {
        s.setSoTimeout(200);
        InputStream in = s.getInputStream();
        try {
            return in.read() != -1; // a server speaking first would be open too
        } catch (SocketTimeoutException e) {
            return true;
        }
    }
}
