package dev.delta.node.cli;

import dev.delta.engine.manifest.KeyFiles;
import dev.delta.engine.manifest.ManifestSignature;
import dev.delta.engine.manifest.ManifestSignatureException;
import dev.delta.engine.manifest.ManifestSigner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.Callable;

/** {@code delta manifest check FILE --pub PUB}: is the manifest signed by this key? */
@Command(name = "check",
        description = {
                "Check a manifest's detached signature against a trusted public key.",
                "Exit code 0 when the signature is valid for this manifest and key, 1 when it is not."})
final class ManifestCheckCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The manifest file.")
    Path file;

    @Option(names = "--pub", required = true, paramLabel = "PUB", description = "Trusted public key file.")
    Path pub;

    @Option(names = "--sig", paramLabel = "SIG", description = "Signature file (default: FILE.sig).")
    Path sig;

    @Override
    public Integer call() throws IOException {
        ManifestFiles.Loaded l = ManifestFiles.read(file);
        PublicKey key = KeyFiles.readPublicKey(pub);
        Path sigFile = sig != null ? sig : Path.of(file + ".sig");
        PrintWriter out = spec.commandLine().getOut();
        try {
            ManifestSignature s = ManifestSignature.read(sigFile);
            ManifestSigner.verify(s, l.rootDigest(), key);
        } catch (ManifestSignatureException e) {
            out.println("BAD SIGNATURE: " + file + ": " + e.getMessage());
            out.flush();
            return ExitCode.DIFFERENCES;
        }
        out.println("OK: " + l.manifest().dataset() + " v" + l.manifest().version() + " signed by "
                + KeyFiles.fingerprint(key));
        out.flush();
        return ExitCode.OK;
    }
}
