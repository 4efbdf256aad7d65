package dev.delta.node.cli;

import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSigner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.concurrent.Callable;

/** {@code delta manifest sign FILE --key KEY}: a detached Ed25519 signature of the manifest's root digest. */
@Command(name = "sign",
        header = "Sign a manifest: write FILE.sig, a detached Ed25519 signature.",
        description = "Sign a manifest: writes FILE.sig, a detached Ed25519 signature of the manifest's root "
                + "digest (SHA-256 of its canonical encoding). The manifest is decoded and checked first.")
final class ManifestSignCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The manifest file.")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "KEY", description = "Private key file (from delta keygen).")
    Path key;

    @Option(names = "--pub", paramLabel = "PUB", description = "Public key file (default: KEY with .key replaced by .pub).")
    Path pub;

    @Option(names = {"-o", "--output"}, paramLabel = "SIG", description = "Signature file (default: FILE.sig).")
    Path output;

    @Override
    public Integer call() throws IOException {
        ManifestFiles.Loaded l = ManifestFiles.read(file);
        Path pubFile = pub != null ? pub : defaultPub(key);
        PrivateKey priv = KeyFiles.readPrivateKey(key); // first: a wrong --key is named, not the .pub beside it
        KeyPair kp = new KeyPair(KeyFiles.readPublicKey(pubFile), priv);
        ManifestSignature sig;
        try {
            sig = ManifestSigner.sign(l.rootDigest(), kp);
        } catch (IllegalArgumentException e) {
            throw new IOException(key + ": " + e.getMessage(), e);
        }
        Path out = output != null ? output : Path.of(file + ".sig");
        sig.write(out);
        PrintWriter w = spec.commandLine().getOut();
        w.println("signed " + l.manifest().dataset() + " v" + l.manifest().version() + " -> " + out);
        w.println("key " + sig.keyFingerprint());
        w.flush();
        return ExitCode.OK;
    }

    static Path defaultPub(Path key) {
        String k = key.toString();
        return Path.of((k.endsWith(".key") ? k.substring(0, k.length() - 4) : k) + ".pub");
    }
}
