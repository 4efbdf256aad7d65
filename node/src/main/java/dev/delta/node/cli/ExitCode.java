package dev.delta.node.cli;

/** The process exit codes every command uses. */
public final class ExitCode {
    /** Success. */
    public static final int OK = 0;
    /** The command ran and found differences (diff, verify, check). */
    public static final int DIFFERENCES = 1;
    /** Bad usage: unknown option, missing argument, invalid parameter value. */
    public static final int USAGE = 2;
    /** Bad input: a corrupt or truncated manifest, an unreadable file, an unsafe path, a bad key. */
    public static final int BAD_INPUT = 3;

    private ExitCode() {
    }
}
