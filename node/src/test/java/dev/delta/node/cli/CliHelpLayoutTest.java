package dev.delta.node.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout of every command's {@code --help} at picocli's default width of 80 columns. Picocli
 * prints each element of a description on a line of its own and wraps it to the width, so an
 * element must be a whole paragraph: text already wrapped in the source (one element per source
 * line) comes out wrapped twice, with a short fragment at the end of every source line.
 */
class CliHelpLayoutTest {
    private static final int WIDTH = 80;

    /** {@code --help} of the top command, of every subcommand and of every {@code manifest} subcommand. */
    private static List<String[]> helpCommandLines() {
        List<String[]> all = new ArrayList<>();
        all.add(new String[]{"--help"});
        for (String c : Main.commandNames()) {
            all.add(new String[]{c, "--help"});
        }
        for (String c : Main.manifestCommandNames()) {
            all.add(new String[]{"manifest", c, "--help"});
        }
        return all;
    }

    @Test
    void everyHelpFitsIn80ColumnsAndBreaksLinesOnlyWhereTheNextWordDidNotFit() {
        List<String> problems = new ArrayList<>();
        for (String[] argv : helpCommandLines()) {
            CliRunner r = CliRunner.run(argv);
            String name = "delta " + String.join(" ", argv);
            assertEquals(0, r.code(), name + ": " + r);
            if (!argv[0].equals("help")) { // picocli's help command opens with its header; ours with the synopsis
                assertTrue(r.out().startsWith("Usage: delta"), name + ": " + r);
            }
            problems.addAll(layoutProblems(name, r.out()));
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
    }

    /** The checker itself, on help as it was printed when descriptions were wrapped in the source. */
    @Test
    void checkerCatchesDescriptionsWrappedTwice() {
        String oldSync = String.join("\n",
                "Usage: delta sync [-hq] [--dry-run] [--json] [--config=FILE] [--data=DIR]",
                "                  --dataset=NAME [--key-id=ID] [--retention=K]",
                "Bring a dataset in DIR to the upstream's current version (or --version N):",
                "fetch the manifest (a",
                "delta against the version held here), copy every chunk already on this node,",
                "fetch the rest as",
                "verified ranges, check each file's SHA-256, then switch 'current' atomically.",
                "Interrupted, it",
                "resumes where it stopped. --dry-run prints the plan and changes nothing.",
                "      --config=FILE          Node config file for defaults (upstream, secret,",
                "                               TLS, trusted key).",
                "  -q, --quiet                No progress bar.",
                "");
        List<String> p = layoutProblems("sync", oldSync);
        assertEquals(3, p.size(), String.join("\n", p));
        assertTrue(p.get(0).contains("'fetch the manifest (a'"), p.get(0));

        String oldTop = String.join("\n",
                "Usage: delta [-hV] [COMMAND]",
                "Block-level content distribution.",
                "  -h, --help      Show this help message and exit.",
                "Commands:",
                "  serve     Run a node: serve this node's releases to authenticated peers and,",
                "              as an edge, follow the upstream",
                "  manifest  Build, inspect, compare, verify and sign block manifests.",
                "");
        List<String> q = layoutProblems("delta", oldTop);
        assertEquals(1, q.size(), String.join("\n", q));
        assertTrue(q.get(0).contains("serve"), q.get(0));

        // Deliberate lines of their own pass: a sentence ends and the next line starts a new one.
        String fine = String.join("\n",
                "Usage: delta manifest check [-hV] --pub=PUB [--sig=SIG] FILE",
                "Check a manifest's detached signature against a trusted public key.",
                "Exit code 0 when the signature is valid for this manifest and key, 1 when it is",
                "not.",
                "      FILE        The manifest file.",
                "  -o, --output=PREFIX   Path prefix of the two files (default: delta -> delta.",
                "                          key, delta.pub).",
                "");
        assertEquals(List.of(), layoutProblems("check", fine));
        assertFalse(layoutProblems("long", "Usage: delta x\n" + "y".repeat(81) + "\n").isEmpty());
    }

    /**
     * What is wrong with the layout of one help text: lines wider than 80 columns; a line of the
     * description or of an option's description that ends although the next line's first word would
     * have fit on it (a line break that was in the source, not one picocli made), unless the line
     * ends a sentence and the next one starts a new one; a command in a command list whose summary
     * takes more than one line.
     */
    static List<String> layoutProblems(String name, String help) {
        List<String> problems = new ArrayList<>();
        String[] lines = help.split("\\R", -1);
        for (String l : lines) {
            if (l.length() > WIDTH) {
                problems.add(name + ": wider than " + WIDTH + " columns: '" + l + "'");
            }
        }
        int i = 0;
        while (i < lines.length && !lines[i].startsWith("Usage: ")) {
            i++;
        }
        i++;
        while (i < lines.length && lines[i].startsWith(" ")) { // the synopsis goes on, indented
            i++;
        }
        // The description: lines from column 0 up to the parameters and options (indented) or the command list.
        for (; i < lines.length && !lines[i].startsWith(" ") && !lines[i].equals("Commands:"); i++) {
            if (i + 1 < lines.length && !lines[i].isEmpty() && !lines[i + 1].isBlank()
                    && !lines[i + 1].startsWith(" ") && brokenEarly(lines[i], lines[i + 1])) {
                problems.add(name + ": description line broken early: '" + lines[i] + "' / '" + lines[i + 1] + "'");
            }
        }
        // Parameters and options: a line indented past the option names goes on the description above it.
        for (; i < lines.length && !lines[i].equals("Commands:"); i++) {
            boolean namesOnly = indent(lines[i]) <= 6 && !lines[i].strip().contains("  ");
            if (i + 1 < lines.length && indent(lines[i + 1]) > 6 && !lines[i + 1].isBlank() && !namesOnly
                    && brokenEarly(lines[i], lines[i + 1])) {
                problems.add(name + ": option line broken early: '" + lines[i] + "' / '" + lines[i + 1] + "'");
            }
        }
        // The command list: one line per command.
        for (i++; i < lines.length; i++) {
            if (indent(lines[i]) > 2 && !lines[i].isBlank()) {
                problems.add(name + ": a command's summary takes more than one line: '" + lines[i - 1] + "' / '"
                        + lines[i] + "'");
            }
        }
        return problems;
    }

    /** Whether {@code line} ended although the first word of {@code next} would have fit after it. */
    private static boolean brokenEarly(String line, String next) {
        String word = next.strip().split(" ", 2)[0];
        // picocli leaves the last column free when it wraps text, so a word fits in WIDTH - 1
        if (line.length() + 1 + word.length() > WIDTH - 1) {
            return false; // wrapped where the word did not fit
        }
        char last = line.charAt(line.length() - 1);
        char first = next.strip().charAt(0);
        return !((last == '.' || last == ':') && !Character.isLowerCase(first));
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
