package cocoon.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.InvalidInputException;
import cocoon.api.Setting;
import cocoon.api.SettingKind;
import cocoon.runtime.config.EffectiveSetting.Origin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    private static final Setting<String> BINARY = Setting.text("binary", "qemu-system-x86_64", "the program");
    private static final Setting<String> ACCEL =
            Setting.choice("accel", "auto", List.of("auto", "kvm", "tcg"), "accelerator");
    private static final Setting<Duration> START_TIMEOUT =
            Setting.duration("start_timeout", Duration.ofSeconds(30), "start wait");
    private static final Setting<Long> MAX_LAYER_SIZE =
            Setting.size("max_layer_size", 64L << 30, "layer bound").renamedFrom("max_layer_bytes");
    private static final Setting<Duration> TOOL_TIMEOUT =
            Setting.duration("tool_timeout", Duration.ofHours(1), "tool wait").renamedFrom("tool_timeout_seconds");
    private static final SettingSections PLUGINS = new SettingSections()
            .declare("qemu", "hypervisor qemu", List.of(BINARY, ACCEL, START_TIMEOUT))
            .declare("oci", "image source oci", List.of(MAX_LAYER_SIZE, TOOL_TIMEOUT));

    @TempDir
    Path dir;

    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefaultAndEachValueSaysWhereItCameFrom() throws IOException {
        Path config = write("root_dir = \"/from/file\"\nrun_dir = \"/run/file\"\nlog_dir = \"/log/file\"\n");
        Map<String, String> env = Map.of("COCOON_ROOT_DIR", "/from/env", "COCOON_RUN_DIR", "/run/env");
        Settings s = resolve(new Settings.Flags(config, Path.of("/from/flag"), null, null), env);
        assertEquals(Path.of("/from/flag"), s.rootDir());
        assertEquals(Path.of("/run/env"), s.runDir());
        assertEquals(Path.of("/log/file"), s.logDir());
        assertEquals(
                List.of("flag --root-dir", "environment COCOON_RUN_DIR", "file"),
                s.effective().subList(0, 3).stream()
                        .map(EffectiveSetting::source)
                        .toList());
        assertEquals("flag --config", s.configFile().source());

        Settings defaults = resolve(new Settings.Flags(write(""), null, null, null), Map.of());
        assertEquals(Settings.DEFAULT_ROOT, defaults.rootDir());
        assertTrue(defaults.effective().stream().allMatch(e -> e.origin() == Origin.DEFAULT));
    }

    @Test
    void readsTheRuntimesSectionsAndHandsPluginsTypedValues() throws IOException {
        Settings s = resolve("""
                [defaults]
                hypervisor = "qemu"
                cpu = 4
                memory = "2G"
                stop_timeout = "5s"
                [gc]
                horizon = "30m"
                after_remove = false
                [qemu]
                accel = "TCG"
                start_timeout = "500ms"
                """);
        assertEquals("qemu", s.defaults().hypervisor());
        assertEquals(4, s.defaults().cpus());
        assertEquals(2L << 30, s.defaults().memoryBytes());
        assertEquals(10L << 30, s.defaults().storageBytes());
        assertEquals(Duration.ofSeconds(5), s.defaults().stopTimeout());
        assertEquals(Duration.ofMinutes(30), s.gc().horizon());
        assertFalse(s.gc().afterRemove());
        assertEquals("tcg", s.section("qemu").get(ACCEL));
        assertEquals(Duration.ofMillis(500), s.section("qemu").get(START_TIMEOUT));
        assertEquals("qemu-system-x86_64", s.section("qemu").get(BINARY));
        assertEquals(64L << 30, s.section("oci").get(MAX_LAYER_SIZE));
        assertEquals(List.of(), s.oldSpellings());
    }

    @Test
    void everyDurationAndSizeKeyTakesTheOneSpelling() throws IOException {
        List<String> durations = List.of("500ms", "30s", "5m", "1h");
        List<String> sizes = List.of("512M", "64G");
        StringBuilder toml = new StringBuilder();
        Settings declared = resolve("");
        String section = "";
        int durationKeys = 0;
        int sizeKeys = 0;
        for (EffectiveSetting setting : declared.effective()) {
            String value = switch (setting.setting().kind()) {
                case SettingKind.Duration d -> durations.get(durationKeys++ % durations.size());
                case SettingKind.Size z -> sizes.get(sizeKeys++ % sizes.size());
                default -> null;
            };
            if (value != null) {
                if (!setting.section().equals(section)) {
                    section = setting.section();
                    toml.append('[').append(section).append("]\n");
                }
                toml.append(setting.setting().key())
                        .append(" = \"")
                        .append(value)
                        .append("\"\n");
            }
        }
        Settings s = resolve(toml.toString());

        List<String> written = s.effective().stream()
                .filter(e -> e.origin() == Origin.FILE)
                .map(e -> "[" + e.section() + "] " + e.setting().key() + " = " + e.text())
                .toList();
        assertEquals(
                List.of(
                        "[defaults] memory = 512M",
                        "[defaults] storage = 64G",
                        "[defaults] stop_timeout = 500ms",
                        "[gc] horizon = 30s",
                        "[qemu] start_timeout = 5m",
                        "[oci] max_layer_size = 512M",
                        "[oci] tool_timeout = 1h"),
                written);
        assertEquals(List.of(), s.oldSpellings());
    }

    @Test
    void unknownKeysAndSectionsAreErrorsThatListWhatIsKnown() throws IOException {
        assertRefused("color = 1\n", "has unknown key 'color'", "known: log_dir, root_dir, run_dir");
        assertRefused(
                "[defaults]\ncpus = 2\n",
                "has unknown key 'cpus' in [defaults]",
                "known: cpu, hypervisor, kernel, memory, network, password, stop_timeout, storage, user");
        assertRefused("[nosuch]\nx = 1\n", "has unknown section [nosuch]", "known: defaults, gc, oci, qemu");
    }

    @Test
    void aBadValueAnywhereIsRefusedInOneLineNamingSectionKeyAndWhatIsAccepted() throws IOException {
        assertRefused(
                "[qemu]\nstart_timeout = \"soon\"\n",
                ": [qemu] start_timeout = \"soon\" is not valid",
                "start_timeout takes a duration such as 500ms, 30s, 5m or 1h");
        assertRefused(
                "[qemu]\naccel = \"hvf\"\n",
                ": [qemu] accel = \"hvf\" is not valid",
                "accel takes one of auto|kvm|tcg");
        assertRefused(
                "[defaults]\ncpu = \"many\"\n",
                ": [defaults] cpu = \"many\" is not valid",
                "cpu takes a whole number from 1 to 256");
        assertRefused(
                "[defaults]\ncpu = 0\n",
                ": [defaults] cpu = \"0\" is not valid",
                "cpu takes a whole number from 1 to 256");
        assertRefused(
                "[defaults]\nmemory = \"lots\"\n",
                ": [defaults] memory = \"lots\" is not valid",
                "memory takes a size such as 512M or 64G");
        assertRefused(
                "[defaults]\nhypervisor = \"vmware\"\n",
                ": [defaults] hypervisor = \"vmware\" is not valid",
                "hypervisor takes one of auto|qemu");
        assertRefused(
                "[gc]\nafter_remove = \"maybe\"\n",
                ": [gc] after_remove = \"maybe\" is not valid",
                "after_remove takes true or false");
        assertRefused(
                "[gc]\nhorizon = \"0s\"\n",
                ": [gc] horizon = \"0s\" is not valid",
                "horizon takes a duration such as 500ms, 30s, 5m or 1h");
        assertRefused(
                "[qemu]\nbinary = \"\"\n",
                ": [qemu] binary = \"\" is not valid",
                "binary takes text that is not empty");
        assertRefused(
                "[qemu]\naccel = [1, 2]\n",
                ": [qemu] accel must be a string, number or boolean",
                "write it as key = \"value\"");
        assertRefused("root_dir = \n", "is not valid TOML", "fix the syntax (see the example in README.md)");
    }

    @Test
    void oldSpellingsAreStillReadAndEachSaysTheNewOne() throws IOException {
        Path config = write("""
                [defaults]
                stop_timeout = 45
                [qemu]
                start_timeout = "1.5"
                [oci]
                max_layer_bytes = "1048576"
                tool_timeout_seconds = 3600
                """);
        Settings s = resolve(new Settings.Flags(config, null, null, null), Map.of());
        assertEquals(Duration.ofSeconds(45), s.defaults().stopTimeout());
        assertEquals(Duration.ofMillis(1500), s.section("qemu").get(START_TIMEOUT));
        assertEquals(1L << 20, s.section("oci").get(MAX_LAYER_SIZE));
        assertEquals(Duration.ofHours(1), s.section("oci").get(TOOL_TIMEOUT));
        String file = "config file " + config;
        assertEquals(
                List.of(
                        file + ": [defaults] stop_timeout = \"45\" is an old spelling: write stop_timeout = \"45s\"",
                        file + ": [qemu] start_timeout = \"1.5\" is an old spelling: write start_timeout = \"1500ms\"",
                        file
                                + ": [oci] max_layer_bytes = \"1048576\" is an old spelling: write max_layer_size = \"1M\"",
                        file
                                + ": [oci] tool_timeout_seconds = \"3600\" is an old spelling: write tool_timeout = \"1h\""),
                s.oldSpellings());
    }

    @Test
    void aKeyGivenUnderItsOldAndItsNewNameIsRefused() throws IOException {
        assertRefused(
                "[oci]\ntool_timeout = \"1h\"\ntool_timeout_seconds = 60\n",
                ": [oci] tool_timeout is set twice, as tool_timeout and as tool_timeout_seconds",
                "keep only tool_timeout");
    }

    @Test
    void aSecretTheUserSetIsNeverShown() throws IOException {
        Settings defaults = resolve("");
        Settings set = resolve("[defaults]\npassword = \"hunter2\"\n");
        assertEquals("cocoon", password(defaults).text());
        assertEquals("<redacted>", password(set).text());
        assertEquals("hunter2", set.defaults().password());
    }

    @Test
    void aNamedConfigFileMustExist() {
        var e = assertThrows(
                InvalidInputException.class,
                () -> resolve(new Settings.Flags(dir.resolve("missing.toml"), null, null, null), Map.of()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private static EffectiveSetting password(Settings settings) {
        return settings.effective().stream()
                .filter(e -> e.setting().key().equals("password"))
                .findFirst()
                .orElseThrow();
    }

    private void assertRefused(String toml, String what, String hint) throws IOException {
        Path config = write(toml);
        var e = assertThrows(
                InvalidInputException.class, () -> resolve(new Settings.Flags(config, null, null, null), Map.of()));
        assertTrue(e.getMessage().startsWith("config file " + config), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertEquals(hint, e.hint());
    }

    private Settings resolve(String toml) throws IOException {
        return resolve(new Settings.Flags(write(toml), null, null, null), Map.of());
    }

    private static Settings resolve(Settings.Flags flags, Map<String, String> env) {
        return Settings.resolve(flags, env, List.of("qemu"), List.of("user", "none"), PLUGINS);
    }

    private Path write(String content) throws IOException {
        Path file = Files.createTempFile(dir, "config", ".toml");
        Files.writeString(file, content);
        return file;
    }
}
