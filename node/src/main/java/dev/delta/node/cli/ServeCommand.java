package dev.delta.node.cli;

import dev.delta.node.config.ConfigException;
import dev.delta.node.config.NodeConfig;
import dev.delta.node.serve.Node;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code delta serve}: run a node until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "serve",
        header = "Run a node: serve releases and, as an edge, follow the upstream.",
        description = "Run a node: serve this node's releases to authenticated peers and, as an edge, follow "
                + "the upstream (sync at start, on every announcement, and after reconnecting). Stops "
                + "cleanly on SIGTERM; a sync cut short resumes from its staging area at the next start. "
                + "Logs one line per event on stderr.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Node config file: JSON (comments allowed), or YAML if named *.yaml / *.yml.")
    java.nio.file.Path configFile;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Override the config's listen address.")
    String listen;

    @Option(names = "--data", paramLabel = "DIR", description = "Override the config's data_dir.")
    java.nio.file.Path data;

    @Option(names = "--port-file", paramLabel = "FILE", description = "Write the bound port to FILE once listening (for scripts and tests).")
    java.nio.file.Path portFile;

    @Override
    public Integer call() throws IOException, ConfigException, InterruptedException {
        NodeConfig c = NodeConfig.load(configFile);
        if (listen != null || data != null) {
            NodeConfig.HostPort hp;
            try {
                hp = listen != null ? NodeConfig.HostPort.parse(listen, "--listen")
                        : new NodeConfig.HostPort(c.listenHost(), c.listenPort());
            } catch (ConfigException e) { // a bad option is a usage error (exit 2), a bad config file is not
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            c = new NodeConfig(data != null ? data : c.dataDir(), hp.host(), hp.port(), c.role(), c.upstream(),
                    c.datasets(), c.ignore(), c.retention(), c.keyId(), c.secret(), c.tls(), c.signingKey(),
                    c.trustedKey(), c.follow(), c.chunker(), c.fetchConnections(), c.maxConnections());
        }
        Node node = Node.start(c);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // SIGTERM and Ctrl-C stop the node here, and the process then exits 0 like any clean stop
        // (left to the JVM, the same shutdown exits 128 + 15 = 143, which a service manager counts
        // as a failure). The hook above still covers any other way the JVM is asked to exit.
        CountDownLatch asked = new CountDownLatch(1);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> asked.countDown());
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM keeps this signal (-Xrs, say): the hook handles it, with the JVM's exit code
            }
        }
        Thread waiter = new Thread(() -> {
            try {
                asked.await();
            } catch (InterruptedException e) {
                return;
            }
            node.close();
            stopped.countDown();
        }, "stop-on-signal");
        waiter.setDaemon(true);
        waiter.start();
        if (portFile != null) {
            java.nio.file.Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
            java.nio.file.Files.writeString(tmp, Integer.toString(node.port()));
            java.nio.file.Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook); // stopped already
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook has run
        }
        return ExitCode.OK;
    }
}
