package dev.delta.node.cli;

import dev.delta.node.config.NodeConfig;
import picocli.CommandLine;

import java.nio.file.Path;

/** The data directory a command works in: {@code --data}, else the config's {@code data_dir}. */
final class DataDirOption {
    private DataDirOption() {
    }

    /**
     * {@code data} if given, else {@code cfg}'s data directory.
     *
     * @throws CommandLine.ParameterException when neither names one (a usage error)
     */
    static Path resolve(CommandLine cl, Path data, NodeConfig cfg) {
        Path dir = data != null ? data : cfg != null ? cfg.dataDir() : null;
        if (dir == null) {
            throw new CommandLine.ParameterException(cl, "give --data DIR (or --config with a data_dir)");
        }
        return dir;
    }
}
