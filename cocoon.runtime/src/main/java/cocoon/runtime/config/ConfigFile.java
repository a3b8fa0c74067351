package cocoon.runtime.config;

import cocoon.api.InvalidInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hand-written TOML config: top-level directory keys and one table per section. Every key is
 * checked against the keys its section declares, so a typo is an error rather than a silent default.
 */
public final class ConfigFile {

    /** Top-level keys; everything else must be a known {@code [section]}. */
    public static final Set<String> TOP_LEVEL = Set.of("root_dir", "run_dir", "log_dir");

    private final Map<String, String> topLevel;
    private final Map<String, Map<String, String>> sections;

    private ConfigFile(Map<String, String> topLevel, Map<String, Map<String, String>> sections) {
        this.topLevel = topLevel;
        this.sections = sections;
    }

    public static ConfigFile empty() {
        return new ConfigFile(Map.of(), Map.of());
    }

    /**
     * Reads and validates {@code file}. {@code known} maps each section name to the keys it accepts.
     * A missing file is an error only when {@code required} (the user named it).
     */
    public static ConfigFile read(Path file, boolean required, Map<String, Set<String>> known) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new InvalidInputException("config file " + file + " does not exist", "create it or drop --config");
            }
            return empty();
        } catch (IOException e) {
            throw new InvalidInputException("cannot read config file " + file + ": " + e.getMessage(), "check its permissions");
        }
        if (text.isBlank()) {
            // The TOML reader costs ~50-150 ms to set up (its lexer unpacks tables at class init): not for nothing.
            return empty();
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (IOException e) {
            throw new InvalidInputException("config file " + file + " is not valid TOML: " + firstLine(e.getMessage()),
                    "fix the syntax (see the example in README.md)");
        }
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) root::fields) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                Set<String> keys = known.get(key);
                if (keys == null) {
                    throw unknown(file, "section [" + key + "]", new TreeSet<>(known.keySet()));
                }
                sections.put(key, readSection(file, key, value, keys));
            } else if (TOP_LEVEL.contains(key)) {
                top.put(key, scalar(file, key, value));
            } else {
                throw unknown(file, "key '" + key + "'", new TreeSet<>(TOP_LEVEL));
            }
        }
        return new ConfigFile(top, sections);
    }

    public String topLevel(String key) {
        return topLevel.get(key);
    }

    public Map<String, String> section(String name) {
        return sections.getOrDefault(name, Map.of());
    }

    private static Map<String, String> readSection(Path file, String name, JsonNode table, Set<String> keys) {
        Map<String, String> values = new LinkedHashMap<>();
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) table::fields) {
            if (!keys.contains(field.getKey())) {
                throw unknown(file, "key '" + field.getKey() + "' in [" + name + "]", new TreeSet<>(keys));
            }
            values.put(field.getKey(), scalar(file, name + "." + field.getKey(), field.getValue()));
        }
        return values;
    }

    private static String scalar(Path file, String key, JsonNode value) {
        if (!value.isValueNode() || value.isNull()) {
            throw new InvalidInputException("config file " + file + ": '" + key + "' must be a string, number or boolean",
                    "write it as key = \"value\"");
        }
        return value.asText();
    }

    private static InvalidInputException unknown(Path file, String what, Set<String> allowed) {
        return new InvalidInputException("config file " + file + " has unknown " + what,
                "known: " + String.join(", ", allowed));
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
