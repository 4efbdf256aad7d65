package dev.delta.node.cli;

import dev.delta.engine.manifest.KeyFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;

/** {@code delta keygen}: writes an Ed25519 key pair for signing manifests. */
@Command(name = "keygen",
        header = "Write an Ed25519 key pair for signing manifests.",
        description = "Write an Ed25519 key pair: PREFIX.key (private, PKCS#8 PEM, mode 0600) and PREFIX.pub "
                + "(public, X.509 PEM). The origin signs manifests with the private key; edges trust the "
                + "public key. Never overwrites a file.")
final class KeygenCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, paramLabel = "PREFIX", defaultValue = "delta",
            description = "Path prefix of the two files, PREFIX.key and PREFIX.pub (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Override
    public Integer call() throws IOException {
        if (prefix.isEmpty() || prefix.endsWith("/") || Files.isDirectory(Path.of(prefix))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o takes a path prefix such as "
                    + "/etc/delta/origin (writes origin.key and origin.pub), not a directory: '" + prefix + "'");
        }
        Path priv = Path.of(prefix + ".key");
        Path pub = Path.of(prefix + ".pub");
        for (Path p : new Path[]{priv, pub}) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.FileAlreadyExistsException(p.toString());
            }
        }
        KeyPair kp = KeyFiles.generate();
        KeyFiles.writePrivateKey(kp.getPrivate(), priv);
        try {
            KeyFiles.writePublicKey(kp.getPublic(), pub);
        } catch (IOException e) {
            Files.deleteIfExists(priv); // no half-written pair
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + priv + " (private, keep it secret) and " + pub + " (public)");
        out.println("fingerprint " + KeyFiles.fingerprint(kp.getPublic()));
        out.flush();
        return ExitCode.OK;
    }
}
