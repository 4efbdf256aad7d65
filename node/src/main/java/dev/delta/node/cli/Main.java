package dev.delta.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The {@code delta} command: entry point of the runnable jar. */
@Command(name = "delta",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "Block-level content distribution: FastCDC chunk manifests, and transfer of only the byte ranges an edge lacks.",
                "",
                "Exit codes: 0 ok, 1 differences found, 2 usage error, 3 bad input or failure."})
public final class Main implements Runnable {
    /**
     * The subcommands, in the order help lists them. Picocli reflects over every command it is
     * given, which costs a short command like {@code manifest build --cache} a good part of its
     * run; so a command line names its subcommand first and only that one is built (all of them
     * when the name is missing or unknown, for help and suggestions).
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();
    private static final Map<String, Supplier<Object>> MANIFEST_COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("serve", ServeCommand::new);
        COMMANDS.put("publish", PublishCommand::new);
        COMMANDS.put("sync", SyncCommand::new);
        COMMANDS.put("rollback", RollbackCommand::new);
        COMMANDS.put("status", StatusCommand::new);
        COMMANDS.put("manifest", ManifestCommand::new);
        COMMANDS.put("keygen", KeygenCommand::new);
        COMMANDS.put("demo", DemoCommand::new);
        COMMANDS.put("bench", BenchCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
        MANIFEST_COMMANDS.put("build", ManifestBuildCommand::new);
        MANIFEST_COMMANDS.put("show", ManifestShowCommand::new);
        MANIFEST_COMMANDS.put("diff", ManifestDiffCommand::new);
        MANIFEST_COMMANDS.put("stats", ManifestStatsCommand::new);
        MANIFEST_COMMANDS.put("verify", ManifestVerifyCommand::new);
        MANIFEST_COMMANDS.put("sign", ManifestSignCommand::new);
        MANIFEST_COMMANDS.put("check", ManifestCheckCommand::new);
    }

    /** The names of the subcommands, in the order help lists them. */
    static Set<String> commandNames() {
        return Collections.unmodifiableSet(COMMANDS.keySet());
    }

    /** The names of the subcommands of {@code manifest}, in the order help lists them. */
    static Set<String> manifestCommandNames() {
        return Collections.unmodifiableSet(MANIFEST_COMMANDS.keySet());
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // "delta" alone: the overview on stderr and the exit code of a usage error, so that a
        // script that lost its subcommand does not pass
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "no command given");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; for tests and embedding. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with the given output streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        // A CDN node must never phone home: set before any Chronicle class loads.
        if (System.getProperty("chronicle.analytics.disable") == null) {
            System.setProperty("chronicle.analytics.disable", "true");
        }
        // Netty's buffer allocator registers Flight Recorder events by default, which loads and
        // sets up JFR on every start (a few hundred ms); a JFR-profiled run can turn them back on.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        dev.delta.engine.scan.PhaseLog.mark("main");
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command tree {@code argv} needs: only the named subcommand when there is one (no arguments: all). */
    static CommandLine commandLine(String... argv) {
        CommandLine cl = new CommandLine(new Main());
        String name = argv.length > 0 ? argv[0] : null;
        // "help" shows other commands' help, so it needs them all
        boolean one = name != null && COMMANDS.containsKey(name) && !name.equals("help");
        for (Map.Entry<String, Supplier<Object>> c : COMMANDS.entrySet()) {
            if (one && !c.getKey().equals(name)) {
                continue;
            }
            if (c.getKey().equals("manifest")) {
                cl.addSubcommand(c.getKey(), manifestCommand(argv.length > 1 && one ? argv[1] : null));
            } else {
                cl.addSubcommand(c.getKey(), c.getValue().get());
            }
        }
        // Help is laid out at picocli's fixed default of 80 columns, not at the terminal's width: prose
        // reads best at that width, the output is the same everywhere, and no stty process is started
        // to ask the terminal (-Dpicocli.usage.width=AUTO or =120 in DELTA_JAVA_OPTS still widens it).
        // Picocli prints each element of a description on a line of its own and wraps it to that
        // width, so an element is a whole paragraph (or a line meant to stand alone, such as the exit
        // codes), never a line wrapped in the source.
        hideHeaders(cl);
        cl.setExitCodeExceptionMapper(t -> ExitCode.BAD_INPUT);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("delta: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            // The line did not parse, so whether --json was meant is read from the words themselves.
            if (java.util.Arrays.asList(args).contains("--json")) {
                printJsonError(ex.getCommandLine(), ex.getMessage(), ExitCode.USAGE);
            }
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            CommandLine.ParseResult leaf = parseResult;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            boolean json = leaf.hasMatchedOption("--json");
            if (ex instanceof CommandLine.ParameterException) {
                err.println("delta: " + ex.getMessage());
                err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
                if (json) {
                    printJsonError(commandLine, ex.getMessage(), ExitCode.USAGE);
                }
                return ExitCode.USAGE;
            }
            err.println("delta: " + describe(ex));
            if (System.getenv("DELTA_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            if (json) {
                printJsonError(commandLine, describe(ex), ExitCode.BAD_INPUT);
            }
            return ExitCode.BAD_INPUT;
        });
        return cl;
    }

    /**
     * Prints {@code {"error": message, "exit_code": code}} on stdout: a command run with --json
     * that fails gives a script reading stdout an object, not an empty string (the message is on
     * stderr too).
     */
    static void printJsonError(CommandLine commandLine, String message, int code) {
        try (com.fasterxml.jackson.core.JsonGenerator g = Json.generator(commandLine.getOut())) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeNumberField("exit_code", code);
            g.writeEndObject();
            g.flush();
            commandLine.getOut().println();
            commandLine.getOut().flush();
        } catch (java.io.IOException | RuntimeException jsonFailed) {
            // the message is on stderr already
        }
    }

    /**
     * A command whose first paragraph would take several lines in its parent's command list has a
     * one-line {@code header} for that list; its own help leaves the header out, as it opens with the
     * synopsis and then the full description. Picocli's help command keeps its header.
     */
    private static void hideHeaders(CommandLine c) {
        if (!(c.getCommand() instanceof CommandLine.HelpCommand)) {
            List<String> keys = new ArrayList<>(c.getHelpSectionKeys());
            keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER_HEADING);
            keys.remove(CommandLine.Model.UsageMessageSpec.SECTION_KEY_HEADER);
            c.getCommandSpec().usageMessage().sectionKeys(keys);
        }
        for (CommandLine sub : c.getSubcommands().values()) {
            hideHeaders(sub);
        }
    }

    private static CommandLine manifestCommand(String name) {
        CommandLine manifest = new CommandLine(new ManifestCommand());
        boolean one = name != null && MANIFEST_COMMANDS.containsKey(name);
        for (Map.Entry<String, Supplier<Object>> c : MANIFEST_COMMANDS.entrySet()) {
            if (!one || c.getKey().equals(name)) {
                manifest.addSubcommand(c.getKey(), c.getValue().get());
            }
        }
        return manifest;
    }

    /** A one-line message for an exception, naming the file where the JDK only gives a path. */
    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException) {
            return "no such file or directory: " + ((NoSuchFileException) t).getFile();
        }
        if (t instanceof AccessDeniedException) {
            return "permission denied: " + ((AccessDeniedException) t).getFile();
        }
        if (t instanceof FileAlreadyExistsException) {
            return "already exists (refusing to overwrite): " + ((FileAlreadyExistsException) t).getFile();
        }
        if (t instanceof FileNotFoundException) {
            return "cannot open " + t.getMessage();
        }
        String m = t.getMessage();
        if (m != null && m.contains("No space left on device")) {
            // The JDK names no file for a failed write; say what it means here.
            return m + ": the file system of the data directory is full. Nothing live was changed; run the"
                    + " command again once there is room (a sync goes on from the chunks it already verified)";
        }
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    /** Prints the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"delta " + (v == null ? "(development build)" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
