package dev.delta.benchmarks.guard;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The lowest acceptable value of each guarded ratio: read from a properties file
 * ({@code name = value}), each one overridable by a system property
 * {@code delta.guard.floor.NAME}. An empty override is ignored (the build passes every override
 * through, set or not); a name that is not a known ratio is an error, so a typo cannot silently
 * disable a floor.
 */
public final class Floors {
    /** Prefix of the system properties that override a floor. */
    public static final String OVERRIDE_PREFIX = "delta.guard.floor.";

    private final Map<String, Double> values;
    private final Map<String, String> sources;

    private Floors(Map<String, Double> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** Reads {@code file}, then applies the overrides found in {@code system}. */
    public static Floors load(Path file, Properties system, Collection<String> known) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return of(p, file.getFileName().toString(), system, known);
    }

    /**
     * Floors from {@code committed} (described as {@code origin} in messages) with the overrides
     * of {@code system}. Every known ratio must end up with a floor.
     */
    public static Floors of(Properties committed, String origin, Properties system, Collection<String> known) {
        Map<String, Double> values = new TreeMap<>();
        Map<String, String> sources = new TreeMap<>();
        for (String name : committed.stringPropertyNames()) {
            requireKnown(name, origin, known);
            values.put(name, parse(name, committed.getProperty(name), origin));
            sources.put(name, origin);
        }
        for (String key : system.stringPropertyNames()) {
            if (!key.startsWith(OVERRIDE_PREFIX)) {
                continue;
            }
            String name = key.substring(OVERRIDE_PREFIX.length());
            String raw = system.getProperty(key).trim();
            if (raw.isEmpty()) {
                continue;
            }
            requireKnown(name, "-D" + key, known);
            values.put(name, parse(name, raw, "-D" + key));
            sources.put(name, "-D" + key);
        }
        for (String name : known) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("no floor for ratio '" + name + "': add it to " + origin);
            }
        }
        return new Floors(values, sources);
    }

    private static void requireKnown(String name, String where, Collection<String> known) {
        if (!known.contains(name)) {
            throw new IllegalArgumentException("unknown ratio '" + name + "' in " + where + "; known ratios: " + known);
        }
    }

    private static double parse(String name, String raw, String where) {
        double v;
        try {
            v = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("floor of '" + name + "' in " + where + " is not a number: '" + raw + "'");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("floor of '" + name + "' in " + where + " must be a positive number, got "
                    + raw);
        }
        return v;
    }

    /** The floor of ratio {@code name}. */
    public double floor(String name) {
        Double v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no floor for ratio '" + name + "'");
        }
        return v;
    }

    /** Where the floor of {@code name} came from: the file name or the overriding {@code -D} option. */
    public String source(String name) {
        return sources.get(name);
    }
}
