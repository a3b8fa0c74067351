package cocoon.runtime.config;

import cocoon.api.InvalidInputException;
import cocoon.api.Setting;
import cocoon.api.SettingValues;
import cocoon.runtime.config.EffectiveSetting.Origin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every setting after precedence is applied: flag, then environment, then config file, then default.
 * The whole file is read against what the runtime and every plugin declare before any command runs,
 * so a bad value anywhere is refused by every command, not only by the one that would use it.
 *
 * @param configFile where the file was looked for, and why there
 * @param configFound whether it was there; a missing default file reads as empty
 * @param sections   the top-level keys (section {@code ""}), then {@code [defaults]}, {@code [gc]} and the plugins' sections
 */
public record Settings(
        Path rootDir,
        Path runDir,
        Path logDir,
        Defaults defaults,
        Gc gc,
        EffectiveSetting configFile,
        boolean configFound,
        List<ConfigSection> sections) {

    public static final Path DEFAULT_ROOT = Path.of("/var/lib/cocoon");
    public static final Path DEFAULT_RUN = Path.of("/var/run/cocoon");
    public static final Path DEFAULT_LOG = Path.of("/var/log/cocoon");
    public static final Path DEFAULT_CONFIG = Path.of("/etc/cocoon/config.toml");

    static final Setting<Path> CONFIG =
            Setting.path("config", DEFAULT_CONFIG, "the config file; a missing default file reads as empty");
    static final Setting<Path> ROOT_DIR = Setting.path("root_dir", DEFAULT_ROOT, "images, disks and VM records");
    static final Setting<Path> RUN_DIR = Setting.path("run_dir", DEFAULT_RUN, "sockets and pid files of running VMs");
    static final Setting<Path> LOG_DIR = Setting.path("log_dir", DEFAULT_LOG, "console and hypervisor logs");

    /** {@code [defaults]}: what {@code create} uses when a flag is not given. */
    public record Defaults(
            String hypervisor,
            String network,
            int cpus,
            long memoryBytes,
            long storageBytes,
            String user,
            String password,
            Duration stopTimeout,
            String kernel) {

        static final Setting<Long> CPU = Setting.wholeNumber("cpu", 2, 1, 256, "virtual CPUs of a new VM");
        static final Setting<Long> MEMORY = Setting.size("memory", 1L << 30, "memory of a new VM");
        static final Setting<Long> STORAGE = Setting.size("storage", 10L << 30, "writable disk size of a new VM");
        static final Setting<String> USER =
                Setting.text("user", "cocoon", "cloud images: the login cloud-init creates");
        static final Setting<String> PASSWORD = Setting.text(
                        "password", "cocoon", "cloud images: that login's password")
                .asSecret();
        static final Setting<Duration> STOP_TIMEOUT = Setting.duration(
                "stop_timeout",
                Duration.ofSeconds(30),
                "how long stop and rm --force wait after the power button before harder means");

        static final Setting<String> KERNEL = Setting.optionalText(
                "kernel", "kernel image an image without a kernel boots with (a pulled reference); empty: none");

        /** {@code auto} or one of the installed hypervisors. */
        static Setting<String> hypervisor(List<String> hypervisors) {
            return Setting.choice(
                    "hypervisor",
                    "auto",
                    Stream.concat(Stream.of("auto"), hypervisors.stream()).toList(),
                    "hypervisor of a new VM; auto: Cloud Hypervisor where it can run, else QEMU");
        }

        /** {@code auto} or one of the installed network modes. */
        static Setting<String> network(List<String> modes) {
            return Setting.choice(
                    "network",
                    "auto",
                    Stream.concat(Stream.of("auto"), modes.stream()).toList(),
                    "network of a new VM; auto: bridge as root, else user-mode networking where the hypervisor has it,"
                            + " else none");
        }

        static List<Setting<?>> declared(Setting<String> hypervisor, Setting<String> network) {
            return List.of(hypervisor, network, CPU, MEMORY, STORAGE, USER, PASSWORD, STOP_TIMEOUT, KERNEL);
        }

        static Defaults from(SettingValues values, Setting<String> hypervisor, Setting<String> network) {
            return new Defaults(
                    values.get(hypervisor),
                    values.get(network),
                    Math.toIntExact(values.get(CPU)),
                    values.get(MEMORY),
                    values.get(STORAGE),
                    values.get(USER),
                    values.get(PASSWORD),
                    values.get(STOP_TIMEOUT),
                    values.get(KERNEL).strip());
        }
    }

    /** {@code [gc]}: how old a temp entry must be before it is garbage, and whether delete/rm collect right away. */
    public record Gc(Duration horizon, boolean afterRemove) {

        static final Setting<Duration> HORIZON =
                Setting.duration("horizon", Duration.ofHours(1), "temp entries younger than this are never collected");
        static final Setting<Boolean> AFTER_REMOVE =
                Setting.bool("after_remove", true, "delete and rm collect what they released right away");
        static final List<Setting<?>> DECLARED = List.of(HORIZON, AFTER_REMOVE);

        static Gc from(SettingValues values) {
            return new Gc(values.get(HORIZON), values.get(AFTER_REMOVE));
        }
    }

    /** Command-line values of the global flags, null where not given. */
    public record Flags(Path config, Path rootDir, Path runDir, Path logDir) {}

    /**
     * Resolves every setting. {@code plugins} says which sections and keys the plugins read; with the
     * runtime's own it decides which sections and keys the file may hold. {@code hypervisors} are the
     * names {@code [defaults] hypervisor} may take besides {@code auto}, {@code networks} those of {@code [defaults] network}.
     */
    public static Settings resolve(
            Flags flags,
            Map<String, String> env,
            List<String> hypervisors,
            List<String> networks,
            SettingSections plugins) {
        Setting<String> hypervisor = Defaults.hypervisor(hypervisors);
        Setting<String> network = Defaults.network(networks);
        SettingSections declared = new SettingSections()
                .declare("defaults", "cocoon", Defaults.declared(hypervisor, network))
                .declare("gc", "cocoon", Gc.DECLARED)
                .declareAll(plugins);

        EffectiveSetting config = chosen(CONFIG, null, flags.config(), "--config", env, "COCOON_CONFIG");
        ConfigFile file = ConfigFile.read((Path) config.value(), config.origin() != Origin.DEFAULT);
        Path named = file.found() ? (Path) config.value() : null;
        for (String section : file.sectionNames()) {
            if (!declared.names().contains(section)) {
                throw new InvalidInputException(
                        ConfigSection.where(named) + " has unknown section [" + section + "]",
                        "known: " + String.join(", ", new TreeSet<>(declared.names())));
            }
        }

        ConfigSection topLevel = ConfigSection.read(named, "", List.of(ROOT_DIR, RUN_DIR, LOG_DIR), file.topLevel());
        EffectiveSetting rootDir = chosen(ROOT_DIR, topLevel, flags.rootDir(), "--root-dir", env, "COCOON_ROOT_DIR");
        EffectiveSetting runDir = chosen(RUN_DIR, topLevel, flags.runDir(), "--run-dir", env, "COCOON_RUN_DIR");
        EffectiveSetting logDir = chosen(LOG_DIR, topLevel, flags.logDir(), "--log-dir", env, "COCOON_LOG_DIR");
        List<ConfigSection> sections = new ArrayList<>();
        sections.add(new ConfigSection("", List.of(rootDir, runDir, logDir), topLevel.oldSpellings()));
        for (String section : declared.names()) {
            sections.add(ConfigSection.read(named, section, declared.section(section), file.section(section)));
        }
        return new Settings(
                directory(rootDir),
                directory(runDir),
                directory(logDir),
                Defaults.from(values(sections, "defaults"), hypervisor, network),
                Gc.from(values(sections, "gc")),
                config,
                file.found(),
                List.copyOf(sections));
    }

    /** What a plugin reading {@code [name]} is handed; every declared key, at its default where the file is silent. */
    public SettingValues section(String name) {
        return values(sections, name);
    }

    /** Every key of every section, in the order {@code cocoon config} prints them. */
    public List<EffectiveSetting> effective() {
        return sections.stream().flatMap(s -> s.settings().stream()).toList();
    }

    /** One line per old spelling the config file used, each saying the new one. */
    public List<String> oldSpellings() {
        return sections.stream().flatMap(s -> s.oldSpellings().stream()).toList();
    }

    /** A directory key: the flag, else the environment, else the file's value (or the default) from {@code fromFile}. */
    private static EffectiveSetting chosen(
            Setting<Path> setting,
            ConfigSection fromFile,
            Path flag,
            String flagName,
            Map<String, String> env,
            String variable) {
        if (flag != null) {
            return new EffectiveSetting("", setting, flag, Origin.FLAG, flagName);
        }
        String value = env.get(variable);
        if (value != null && !value.isBlank()) {
            return new EffectiveSetting("", setting, Path.of(value), Origin.ENVIRONMENT, variable);
        }
        if (fromFile == null) {
            return new EffectiveSetting("", setting, setting.defaultValue(), Origin.DEFAULT, null);
        }
        return fromFile.settings().stream()
                .filter(s -> s.setting().key().equals(setting.key()))
                .findFirst()
                .orElseThrow();
    }

    private static SettingValues values(List<ConfigSection> sections, String name) {
        return sections.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .map(ConfigSection::values)
                .orElse(SettingValues.defaults(List.of()));
    }

    private static Path directory(EffectiveSetting setting) {
        Path dir = (Path) setting.value();
        if (dir.toString().isBlank()) {
            throw new InvalidInputException(
                    "empty " + setting.source() + " for " + setting.setting().key(), "give an absolute path");
        }
        return dir.toAbsolutePath().normalize();
    }
}
