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

/**
 * The hand-written TOML config as text: top-level keys and one table per section, every value a
 * scalar. {@link ConfigSection} checks the keys and values against what each section declares.
 */
final class ConfigFile {

    private final Map<String, String> topLevel;
    private final Map<String, Map<String, String>> sections;
    private final boolean found;

    private ConfigFile(Map<String, String> topLevel, Map<String, Map<String, String>> sections, boolean found) {
        this.topLevel = topLevel;
        this.sections = sections;
        this.found = found;
    }

    /** Reads {@code file}. A missing file is an error only when {@code required} (the user named it). */
    static ConfigFile read(Path file, boolean required) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            if (required) {
                throw new InvalidInputException(
                        "config file " + file + " does not exist", "create it or drop --config");
            }
            return new ConfigFile(Map.of(), Map.of(), false);
        } catch (IOException e) {
            throw new InvalidInputException(
                    "cannot read config file " + file + ": " + e.getMessage(), "check its permissions");
        }
        if (text.isBlank()) {
            // The TOML reader costs ~50-150 ms to set up (its lexer unpacks tables at class init): not for nothing.
            return new ConfigFile(Map.of(), Map.of(), true);
        }
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (IOException e) {
            throw new InvalidInputException(
                    "config file " + file + " is not valid TOML: " + firstLine(e.getMessage()),
                    "fix the syntax (see the example in README.md)");
        }
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        for (var field : root.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                sections.put(key, readSection(file, key, value));
            } else {
                top.put(key, scalar(file, key, value));
            }
        }
        return new ConfigFile(top, sections, true);
    }

    /** Whether the file exists; a missing default file reads as empty. */
    boolean found() {
        return found;
    }

    Map<String, String> topLevel() {
        return topLevel;
    }

    Set<String> sectionNames() {
        return sections.keySet();
    }

    Map<String, String> section(String name) {
        return sections.getOrDefault(name, Map.of());
    }

    private static Map<String, String> readSection(Path file, String name, JsonNode table) {
        Map<String, String> values = new LinkedHashMap<>();
        for (var field : table.properties()) {
            values.put(field.getKey(), scalar(file, "[" + name + "] " + field.getKey(), field.getValue()));
        }
        return values;
    }

    private static String scalar(Path file, String key, JsonNode value) {
        if (!value.isValueNode() || value.isNull()) {
            throw new InvalidInputException(
                    "config file " + file + ": " + key + " must be a string, number or boolean",
                    "write it as key = \"value\"");
        }
        return value.asText();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
