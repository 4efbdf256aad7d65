package dev.delta.node.cli;

import dev.delta.node.config.NodeConfig;
import dev.delta.node.serve.Node;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run behind the launcher's class-data-sharing archive: in one JVM, the commands a
 * node runs most — build a manifest, publish, serve, and sync an edge cold, by a delta and with
 * nothing new — on a tiny tree, so the archive holds the classes of each (picocli, Netty, the
 * codecs, the store) already parsed and verified. Not a user command; the launcher runs it as
 * {@code java -XX:ArchiveClassesAtExit=... -cp delta.jar dev.delta.node.cli.CdsTraining DIR}.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: CdsTraining EMPTY_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream(), true);
        Path tree = Files.createDirectories(dir.resolve("tree/dir"));
        Files.writeString(tree.resolve("file"), "training\n".repeat(100));
        Files.writeString(dir.resolve("tree/top"), "top\n");
        Files.createSymbolicLink(dir.resolve("tree/link"), Path.of("top"));
        String secret = "cds-training-secret-0123456789";
        Path secretFile = Files.writeString(dir.resolve("secret"), secret + "\n");
        Path origin = dir.resolve("origin");
        Path edge = dir.resolve("edge");
        run(quiet, "manifest", "build", dir.resolve("tree").toString(), "-o", dir.resolve("t.dm").toString(),
                "--cache", dir.resolve("cache").toString(), "-q");
        run(quiet, "publish", "--data", origin.toString(), "--dataset", "t", dir.resolve("tree").toString(), "--json");
        Path cfg = Files.writeString(dir.resolve("origin.json"), "{\"role\": \"origin\", \"data_dir\": \""
                + origin + "\", \"listen\": \"127.0.0.1:0\", \"secret\": \"" + secret + "\"}\n");
        try (Node node = Node.start(NodeConfig.load(cfg))) {
            String[] sync = {"sync", "--upstream", "127.0.0.1:" + node.port(), "--secret-file", secretFile.toString(),
                    "--dataset", "t", "--data", edge.toString(), "--json", "-q"};
            run(quiet, sync); // cold
            Files.writeString(tree.resolve("file"), "training, again\n".repeat(100));
            Files.writeString(tree.resolve("new"), "new\n");
            run(quiet, "publish", "--data", origin.toString(), "--dataset", "t", dir.resolve("tree").toString(),
                    "--json");
            run(quiet, sync); // a delta
            run(quiet, sync); // nothing new
        }
    }

    private static void run(PrintWriter out, String... args) {
        int code = Main.run(out, out, args);
        if (code != 0) {
            throw new IllegalStateException("training step failed with exit code " + code + ": "
                    + String.join(" ", args));
        }
    }
}
