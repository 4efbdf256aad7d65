package dev.delta.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;

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
     * The subcommands, in the order help lists them. Registered in {@link #commandLine}: all of
     * them, or only the one a command line names, since picocli builds the model of every
     * registered command (and loads its classes) before it parses anything.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            ServeCommand.class,
            PublishCommand.class,
            SyncCommand.class,
            RollbackCommand.class,
            ManifestCommand.class,
            KeygenCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** The command line for {@code args}: with only the subcommand they name, if they name one. */
    static CommandLine commandLine(String... line) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = line.length > 0 ? subcommand(line[0]) : null;
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        cl.setExitCodeExceptionMapper(t -> ExitCode.BAD_INPUT);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("delta: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof CommandLine.ParameterException) {
                err.println("delta: " + ex.getMessage());
                err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
                return ExitCode.USAGE;
            }
            err.println("delta: " + describe(ex));
            if (System.getenv("DELTA_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return ExitCode.BAD_INPUT;
        });
        return cl;
    }

    /** The subcommand class named {@code name}, or null (then every one is registered: help, errors). */
    static Class<?> subcommand(String name) {
        for (Class<?> c : SUBCOMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (a != null && a.name().equals(name) && !name.equals("help")) {
                return c;
            }
        }
        return null;
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
