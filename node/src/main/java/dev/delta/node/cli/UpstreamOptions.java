package dev.delta.node.cli;

import dev.delta.node.config.ConfigException;
import dev.delta.node.config.NodeConfig;
import dev.delta.protocol.auth.TlsFiles;
import dev.delta.node.edge.Syncer;
import dev.delta.protocol.client.ClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** How a one-shot command reaches and authenticates to an upstream: flags, environment, or a config file. */
final class UpstreamOptions {
    @Option(names = "--upstream", paramLabel = "HOST:PORT", description = "The upstream node (default: the config's upstream).")
    String upstream;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "File holding the shared secret (or set DELTA_SECRET).")
    Path secretFile;

    @Option(names = "--key-id", paramLabel = "ID", description = "Shared-secret identity (default: the config's key_id, or 'default').")
    String keyId;

    @Option(names = "--trusted-key", paramLabel = "PUB", description = "Accept only manifests signed by this public key.")
    Path trustedKey;

    @Option(names = "--config", paramLabel = "FILE", description = "Node config file for defaults (upstream, secret, TLS, trusted key).")
    Path configFile;

    NodeConfig config() throws ConfigException {
        return configFile == null ? null : NodeConfig.load(configFile);
    }

    ClientConfig clientConfig(CommandLine cl, NodeConfig cfg) throws IOException, ConfigException {
        NodeConfig.HostPort hp;
        if (upstream != null) {
            try {
                hp = NodeConfig.HostPort.parse(upstream, "--upstream");
            } catch (ConfigException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage()); // a usage error, exit 2
            }
        } else if (cfg != null && cfg.upstream() != null) {
            hp = cfg.upstream();
        } else {
            throw new CommandLine.ParameterException(cl, "give --upstream HOST:PORT (or --config with an upstream)");
        }
        if (hp.port() == 0) {
            throw new CommandLine.ParameterException(cl, "upstream " + hp + ": port 0 is not one to connect to");
        }
        byte[] secret;
        if (secretFile != null) {
            try {
                secret = Files.readString(secretFile).strip().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cl, "--secret-file " + secretFile + ": "
                        + NodeConfig.reason(e));
            }
        } else if (System.getenv("DELTA_SECRET") != null) {
            secret = System.getenv("DELTA_SECRET").getBytes(StandardCharsets.UTF_8);
        } else if (cfg != null && cfg.secret() != null) {
            secret = cfg.secret();
        } else {
            throw new CommandLine.ParameterException(cl,
                    "no shared secret: give --secret-file FILE, set DELTA_SECRET, or use --config");
        }
        if (secret.length < 16) { // as a node's config requires: the upstream would refuse it anyway
            throw new CommandLine.ParameterException(cl, "the shared secret must be at least 16 bytes, got "
                    + secret.length);
        }
        String id = keyId != null ? keyId : cfg != null ? cfg.keyId() : "default";
        try {
            NodeConfig.keyId(id);
        } catch (dev.delta.node.config.ConfigException e) {
            throw new CommandLine.ParameterException(cl, "--key-id: " + e.getMessage().replaceFirst("^key_id: ", ""));
        }
        ClientConfig c = ClientConfig.of(hp.host(), hp.port(), id, secret).withMaxInFlight(Syncer.MAX_IN_FLIGHT);
        if (cfg != null && cfg.tls() != null) {
            c = c.withTls(new TlsFiles(cfg.tls().cert(), cfg.tls().key(), cfg.tls().ca()));
        }
        return c;
    }

    Path trusted(NodeConfig cfg) {
        return trustedKey != null ? trustedKey : cfg != null ? cfg.trustedKey() : null;
    }
}
