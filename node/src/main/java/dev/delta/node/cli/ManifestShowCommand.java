package dev.delta.node.cli;

import dev.delta.engine.chunk.ChunkList;
import dev.delta.engine.hash.Sha256;
import dev.delta.engine.manifest.Entry;
import dev.delta.engine.manifest.Manifest;
import dev.delta.engine.manifest.ManifestJson;
import dev.delta.engine.manifest.ManifestStats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/** {@code delta manifest show FILE}: the header and every entry, as a table or as JSON. */
@Command(name = "show",
        header = "Print a manifest: header, then one line per path.",
        description = "Print a manifest: header, then one line per path (type, mode, size, mtime, chunks, "
                + "SHA-256). With --json, everything including each chunk's offset, length and id.")
final class ManifestShowCommand implements Callable<Integer> {
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The manifest file.")
    Path file;

    @Option(names = "--json", description = "Print the whole manifest as JSON, every chunk included.")
    boolean json;

    @Option(names = "--chunks", description = "In the table, list each file's chunks (offset, length, id) below it.")
    boolean chunks;

    @Override
    public Integer call() throws IOException {
        ManifestFiles.Loaded l = ManifestFiles.read(file);
        Manifest m = l.manifest();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ManifestJson.write(m, l.rootDigest(), out, ManifestJson.Layout.PRETTY);
            out.println();
            out.flush();
            return ExitCode.OK;
        }
        ManifestStats s = ManifestStats.of(m);
        out.printf("dataset   %s%n", m.dataset());
        out.printf("version   %d%s%n", m.version(), m.parentVersion() > 0 ? " (parent " + m.parentVersion() + ")" : "");
        out.printf("created   %s%n", Instant.ofEpochMilli(m.createdMillis()));
        out.printf("chunker   %s%n", m.chunker());
        out.printf("root      %s%n", Sha256.hex(l.rootDigest()));
        out.printf("entries   %s: %s files, %s dirs, %s symlinks; %s in %s chunks%n", Units.count(m.entries().size()),
                Units.count(s.files()), Units.count(s.dirs()), Units.count(s.symlinks()), Units.bytes(s.bytes()),
                Units.count(s.chunks()));
        out.println();
        out.printf("%-7s %-4s %12s  %-19s %7s  %-16s  %s%n", "TYPE", "MODE", "SIZE", "MTIME (UTC)", "CHUNKS", "SHA-256",
                "PATH");
        for (Entry e : m.entries()) {
            String mtime = TIME.format(Instant.ofEpochSecond(Math.floorDiv(e.mtimeNanos(), 1_000_000_000L)));
            switch (e.type()) {
                case FILE -> out.printf("%-7s %04o %12s  %-19s %7s  %-16s  %s%n", "file", e.mode(), Units.count(e.size()),
                        mtime, Units.count(e.chunks().size()), e.sha256Hex().substring(0, 16), e.path());
                case DIR -> out.printf("%-7s %04o %12s  %-19s %7s  %-16s  %s/%n", "dir", e.mode(), "-", mtime, "-", "-",
                        e.path());
                case SYMLINK -> out.printf("%-7s %4s %12s  %-19s %7s  %-16s  %s -> %s%n", "symlink", "-", "-", mtime,
                        "-", "-", e.path(), e.target());
            }
            if (chunks && e.isFile()) {
                ChunkList c = e.chunks();
                for (int i = 0; i < c.size(); i++) {
                    out.printf("          %12d +%-8d %s%n", c.offset(i), c.length(i), c.id(i).toHex());
                }
            }
        }
        out.flush();
        return ExitCode.OK;
    }
}
