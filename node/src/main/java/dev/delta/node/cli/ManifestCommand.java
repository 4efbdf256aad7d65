package dev.delta.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code delta manifest …}: build, inspect, compare, verify and sign manifests (subcommands added by {@link Main}). */
@Command(name = "manifest",
        description = "Build, inspect, compare, verify and sign block manifests.")
final class ManifestCommand implements Runnable {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // "delta manifest" alone: its commands on stderr, and a usage error's exit code
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "no manifest command given");
    }
}
