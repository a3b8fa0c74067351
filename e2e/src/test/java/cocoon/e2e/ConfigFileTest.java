package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config file as every command reads it, through {@code bin/cocoon} with the real plugins: the
 * keys and kinds come from the plugins' own declarations, as {@code cocoon config} lists them.
 */
class ConfigFileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyDurationAndSizeKeyOfEveryPluginTakesTheOneSpelling() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        List<String> durations = List.of("500ms", "30s", "5m", "1h");
        List<String> sizes = List.of("512M", "64G");
        Map<String, Map<String, String>> written = new LinkedHashMap<>();
        int durationKeys = 0;
        int sizeKeys = 0;
        for (JsonNode setting : settings(cocoon)) {
            String value = switch (setting.get("type").asText()) {
                case "duration" -> durations.get(durationKeys++ % durations.size());
                case "size" -> sizes.get(sizeKeys++ % sizes.size());
                default -> null;
            };
            if (value != null) {
                written.computeIfAbsent(setting.get("section").asText(), s -> new LinkedHashMap<>())
                        .put(setting.get("key").asText(), value);
            }
        }
        assertTrue(
                written.keySet().containsAll(Set.of("defaults", "gc", "oci", "cloudimg", "chv", "qemu")),
                written.toString());
        StringBuilder toml = new StringBuilder();
        written.forEach((section, keys) -> {
            toml.append('[').append(section).append("]\n");
            keys.forEach((key, value) ->
                    toml.append(key).append(" = \"").append(value).append("\"\n"));
        });
        cocoon.config(toml.toString());

        CocoonCli.Run ps = cocoon.run("ps").ok();
        assertEquals("", ps.err(), toml.toString());
        Map<String, Map<String, String>> read = new LinkedHashMap<>();
        for (JsonNode setting : settings(cocoon)) {
            if (setting.get("source").asText().equals("file")) {
                read.computeIfAbsent(setting.get("section").asText(), s -> new LinkedHashMap<>())
                        .put(setting.get("key").asText(), setting.get("value").asText());
            }
        }
        assertEquals(written, read);
    }

    @Test
    void aBadValueAnywhereIsRefusedByPsInOneLineNamingSectionAndKey() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        cocoon.config("[qemu]\nstart_timeout = \"soon\"\n");

        CocoonCli.Run ps = cocoon.run("ps");

        assertEquals(1, ps.exit());
        assertEquals(
                "cocoon: config file " + cocoon.configFile() + ": [qemu] start_timeout = \"soon\" is not valid:"
                        + " start_timeout takes a duration such as 500ms, 30s, 5m or 1h\n",
                ps.err());
    }

    @Test
    void anUnknownKeyListsTheKeysOfItsSectionIncludingTheDiskBuildersOwn() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        cocoon.config("[oci]\nmkfs_timeout = \"5m\"\n");

        CocoonCli.Run ps = cocoon.run("ps");

        assertEquals(1, ps.exit());
        assertEquals(1, ps.err().lines().count(), ps.err());
        assertTrue(
                ps.err()
                        .startsWith("cocoon: config file " + cocoon.configFile()
                                + " has unknown key 'mkfs_timeout' in [oci]: known: "),
                ps.err());
        assertTrue(ps.err().contains("format_timeout") && ps.err().contains("tool_timeout"), ps.err());
    }

    @Test
    void oldSpellingsStillWorkWithOneLineEachSayingTheNewOne() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        cocoon.config(
                "[chv]\nstart_timeout = \"30\"\n[oci]\ntool_timeout_seconds = 3600\nmax_layer_bytes = 1073741824\n");

        CocoonCli.Run ps = cocoon.run("ps").ok();

        String file = "cocoon: config file " + cocoon.configFile() + ": ";
        assertEquals(
                file + "[oci] max_layer_bytes = \"1073741824\" is an old spelling: write max_layer_size = \"1G\"\n"
                        + file
                        + "[oci] tool_timeout_seconds = \"3600\" is an old spelling: write tool_timeout = \"1h\"\n"
                        + file + "[chv] start_timeout = \"30\" is an old spelling: write start_timeout = \"30s\"\n",
                ps.err());
    }

    @Test
    void configSaysWhereEachValueCameFrom() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        cocoon.config("[qemu]\naccel = \"tcg\"\n[defaults]\npassword = \"hunter2\"\n");

        String toml = cocoon.run("--log-dir", dir.resolve("flag-logs").toString(), "config")
                .ok()
                .out();

        assertTrue(toml.contains("root_dir = \"" + cocoon.root() + "\"  "), toml);
        assertTrue(
                toml.lines()
                        .anyMatch(l -> l.startsWith("root_dir = ")
                                && l.endsWith("# environment COCOON_ROOT_DIR; default \"/var/lib/cocoon\"")),
                toml);
        assertTrue(
                toml.lines()
                        .anyMatch(l -> l.startsWith("log_dir = \"" + dir.resolve("flag-logs") + "\"")
                                && l.endsWith("# flag --log-dir; default \"/var/log/cocoon\"")),
                toml);
        assertTrue(
                toml.lines().anyMatch(l -> l.startsWith("accel = \"tcg\"") && l.endsWith("# file; default \"auto\"")),
                toml);
        assertTrue(
                toml.lines().anyMatch(l -> l.startsWith("start_timeout = \"30s\"") && l.endsWith("# default")), toml);
        assertTrue(toml.contains("password = \"<redacted>\""), toml);
        assertTrue(!toml.contains("hunter2"), toml);
        assertTrue(toml.contains("\n[qemu]\n# "), toml);

        JsonNode json =
                JSON.readTree(cocoon.run("config", "--format", "json").ok().out());
        assertEquals(
                cocoon.configFile().toString(),
                json.get("configFile").get("path").asText());
        assertEquals("environment", json.get("configFile").get("source").asText());
        JsonNode accel = find(json.get("settings"), "qemu", "accel");
        assertEquals("tcg", accel.get("value").asText());
        assertEquals("auto", accel.get("default").asText());
        assertEquals("file", accel.get("source").asText());
        assertEquals("auto|kvm|tcg", accel.get("type").asText());
        assertEquals(
                2, find(json.get("settings"), "defaults", "cpu").get("value").asInt());
    }

    @Test
    void whatConfigPrintsIsAConfigFileEveryCommandAccepts() throws IOException {
        CocoonCli cocoon = new CocoonCli(dir);
        String printed = cocoon.run("config").ok().out();
        cocoon.config(printed);

        CocoonCli.Run ps = cocoon.run("ps").ok();

        assertEquals("", ps.err());
        // Read back from the file, the password is the user's and is no longer shown.
        List<String> expected = keysAndValues(printed).stream()
                .map(line -> line.startsWith("password = ") ? "password = \"<redacted>\"" : line)
                .toList();
        assertEquals(expected, keysAndValues(cocoon.run("config").ok().out()));
        for (JsonNode setting : settings(cocoon)) {
            if (!setting.get("section").asText().isEmpty()) {
                assertEquals("file", setting.get("source").asText(), setting.toString());
            }
        }
    }

    @Test
    void theReadmeListsEveryKeyWithItsDefault() throws IOException {
        List<String> readme = Files.readAllLines(CocoonCli.REPO.resolve("README.md"));
        Set<String> documented = new TreeSet<>();
        String section = "";
        boolean inExample = false;
        for (String line : readme) {
            if (line.equals("```toml")) {
                inExample = true;
            } else if (line.equals("```")) {
                inExample = false;
            } else if (inExample && line.startsWith("[")) {
                section = line.substring(1, line.indexOf(']'));
            } else if (inExample && !line.startsWith("#") && line.contains(" = ")) {
                documented.add(section + " "
                        + line.substring(0, line.indexOf('#') < 0 ? line.length() : line.indexOf('#'))
                                .strip());
            }
        }
        List<String> missing = new ArrayList<>();
        for (JsonNode setting : settings(new CocoonCli(dir))) {
            JsonNode value = setting.get("default");
            String expected =
                    setting.get("section").asText() + " " + setting.get("key").asText() + " = "
                            + (value.isTextual() ? "\"" + value.asText() + "\"" : value.toString());
            if (!documented.contains(expected)) {
                missing.add(expected);
            }
        }
        assertEquals(
                List.of(),
                missing,
                "README.md's config example lacks these keys or defaults (cocoon config prints them)");
    }

    /** The TOML without its comments. */
    private static List<String> keysAndValues(String toml) {
        return toml.lines()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.replaceAll("\\s+#.*$", ""))
                .toList();
    }

    private static List<JsonNode> settings(CocoonCli cocoon) throws IOException {
        List<JsonNode> settings = new ArrayList<>();
        JSON.readTree(cocoon.run("config", "--format", "json").ok().out())
                .get("settings")
                .forEach(settings::add);
        return settings;
    }

    private static JsonNode find(JsonNode settings, String section, String key) {
        for (JsonNode setting : settings) {
            if (setting.get("section").asText().equals(section)
                    && setting.get("key").asText().equals(key)) {
                return setting;
            }
        }
        throw new AssertionError("no [" + section + "] " + key + " in " + settings);
    }
}
