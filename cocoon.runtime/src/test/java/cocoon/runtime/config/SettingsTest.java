package cocoon.runtime.config;

import cocoon.api.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static final Map<String, Map<String, String>> PLUGINS = Map.of("qemu", Map.of("binary", "qemu-system-x86_64", "accel", "auto"));

    @TempDir
    Path dir;

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path config = write("root_dir = \"/from/file\"\nrun_dir = \"/run/file\"\nlog_dir = \"/log/file\"\n");
        Map<String, String> env = Map.of("COCOON_ROOT_DIR", "/from/env", "COCOON_RUN_DIR", "/run/env");
        Settings s = Settings.resolve(new Settings.Flags(config, Path.of("/from/flag"), null, null), env, PLUGINS);
        assertEquals(Path.of("/from/flag"), s.rootDir());
        assertEquals(Path.of("/run/env"), s.runDir());
        assertEquals(Path.of("/log/file"), s.logDir());
        Settings defaults = Settings.resolve(new Settings.Flags(write(""), null, null, null), Map.of(), PLUGINS);
        assertEquals(Settings.DEFAULT_ROOT, defaults.rootDir());
    }

    @Test
    void readsDefaultsGcAndPluginSections() throws IOException {
        Path config = write("""
                [defaults]
                cpu = 4
                memory = "2G"
                stop_timeout = "5s"
                [gc]
                horizon = "30m"
                after_remove = false
                [qemu]
                accel = "tcg"
                """);
        Settings s = Settings.resolve(new Settings.Flags(config, null, null, null), Map.of(), PLUGINS);
        assertEquals(4, s.defaults().cpus());
        assertEquals(2L << 30, s.defaults().memoryBytes());
        assertEquals(10L << 30, s.defaults().storageBytes());
        assertEquals(Duration.ofSeconds(5), s.defaults().stopTimeout());
        assertEquals(Duration.ofMinutes(30), s.gc().horizon());
        assertEquals(false, s.gc().afterRemove());
        assertEquals(Map.of("binary", "qemu-system-x86_64", "accel", "tcg"), s.plugin("qemu"));
    }

    @Test
    void unknownKeysSectionsAndWrongTypesAreErrorsThatNameTheKey() throws IOException {
        assertMessage("color = 1\n", "unknown key 'color'");
        assertMessage("[defaults]\ncpus = 2\n", "unknown key 'cpus' in [defaults]");
        assertMessage("[nosuch]\nx = 1\n", "unknown section [nosuch]");
        assertMessage("[defaults]\ncpu = \"many\"\n", "cpu 'many' is not a number");
        assertMessage("[defaults]\nmemory = \"lots\"\n", "invalid size 'lots'");
        assertMessage("[qemu]\naccel = [1, 2]\n", "'qemu.accel' must be a string");
        assertMessage("root_dir = \n", "not valid TOML");
    }

    @Test
    void aNamedConfigFileMustExist() {
        var e = assertThrows(InvalidInputException.class,
                () -> Settings.resolve(new Settings.Flags(dir.resolve("missing.toml"), null, null, null), Map.of(), PLUGINS));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private void assertMessage(String toml, String expected) throws IOException {
        Path config = write(toml);
        var e = assertThrows(InvalidInputException.class,
                () -> Settings.resolve(new Settings.Flags(config, null, null, null), Map.of(), PLUGINS));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private Path write(String content) throws IOException {
        Path file = Files.createTempFile(dir, "config", ".toml");
        Files.writeString(file, content);
        return file;
    }
}
