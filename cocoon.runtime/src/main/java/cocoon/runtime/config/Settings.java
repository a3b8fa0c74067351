package cocoon.runtime.config;

import cocoon.api.InvalidInputException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every setting after precedence is applied: flag, then environment, then config file, then default.
 * Plugin sections are the plugin's declared defaults with the config file's values over them.
 */
public record Settings(
        Path rootDir,
        Path runDir,
        Path logDir,
        Defaults defaults,
        Gc gc,
        Map<String, Map<String, String>> pluginSections) {

    /** {@code [defaults]}: what {@code create} uses when a flag is not given. */
    public record Defaults(String hypervisor, int cpus, long memoryBytes, long storageBytes,
                           String user, String password, Duration stopTimeout) {

        static final Map<String, String> KEYS = Map.of(
                "hypervisor", "auto", "cpu", "2", "memory", "1G", "storage", "10G",
                "user", "cocoon", "password", "cocoon", "stop_timeout", "30s");

        static Defaults from(Map<String, String> values) {
            Map<String, String> v = merge(KEYS, values);
            int cpus;
            try {
                cpus = Integer.parseInt(v.get("cpu"));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("config [defaults] cpu '" + v.get("cpu") + "' is not a number",
                        "write e.g. cpu = 2");
            }
            return new Defaults(v.get("hypervisor"), cpus, Sizes.parse(v.get("memory")), Sizes.parse(v.get("storage")),
                    v.get("user"), v.get("password"), Durations.parse(v.get("stop_timeout")));
        }
    }

    /** {@code [gc]}: how old a temp entry must be before it is garbage, and whether delete/rm collect right away. */
    public record Gc(Duration horizon, boolean afterRemove) {

        static final Map<String, String> KEYS = Map.of("horizon", "1h", "after_remove", "true");

        static Gc from(Map<String, String> values) {
            Map<String, String> v = merge(KEYS, values);
            String after = v.get("after_remove");
            if (!after.equals("true") && !after.equals("false")) {
                throw new InvalidInputException("config [gc] after_remove must be true or false, not '" + after + "'",
                        "write after_remove = false");
            }
            return new Gc(Durations.parse(v.get("horizon")), Boolean.parseBoolean(after));
        }
    }

    public static final Path DEFAULT_ROOT = Path.of("/var/lib/cocoon");
    public static final Path DEFAULT_RUN = Path.of("/var/run/cocoon");
    public static final Path DEFAULT_LOG = Path.of("/var/log/cocoon");
    public static final Path DEFAULT_CONFIG = Path.of("/etc/cocoon/config.toml");

    /** Command-line values of the global flags, null where not given. */
    public record Flags(Path config, Path rootDir, Path runDir, Path logDir) {}

    /**
     * Resolves every setting. {@code pluginDefaults} maps each plugin's section name to its declared keys and
     * defaults; it decides which config sections and keys are valid.
     */
    public static Settings resolve(Flags flags, Map<String, String> env, Map<String, Map<String, String>> pluginDefaults) {
        Map<String, Set<String>> known = new LinkedHashMap<>();
        known.put("defaults", Defaults.KEYS.keySet());
        known.put("gc", Gc.KEYS.keySet());
        pluginDefaults.forEach((name, keys) -> known.put(name, keys.keySet()));

        Path explicit = flags.config() != null ? flags.config()
                : env.containsKey("COCOON_CONFIG") ? Path.of(env.get("COCOON_CONFIG")) : null;
        ConfigFile file = ConfigFile.read(explicit != null ? explicit : DEFAULT_CONFIG, explicit != null, known);

        Map<String, Map<String, String>> plugins = new LinkedHashMap<>();
        pluginDefaults.forEach((name, defaults) -> plugins.put(name, merge(defaults, file.section(name))));
        return new Settings(
                dir(flags.rootDir(), env.get("COCOON_ROOT_DIR"), file.topLevel("root_dir"), DEFAULT_ROOT),
                dir(flags.runDir(), env.get("COCOON_RUN_DIR"), file.topLevel("run_dir"), DEFAULT_RUN),
                dir(flags.logDir(), env.get("COCOON_LOG_DIR"), file.topLevel("log_dir"), DEFAULT_LOG),
                Defaults.from(file.section("defaults")),
                Gc.from(file.section("gc")),
                Map.copyOf(plugins));
    }

    public Map<String, String> plugin(String name) {
        return pluginSections.getOrDefault(name, Map.of());
    }

    private static Path dir(Path flag, String env, String file, Path fallback) {
        String chosen = flag != null ? flag.toString() : env != null && !env.isBlank() ? env : file;
        if (chosen == null) {
            return fallback;
        }
        if (chosen.isBlank()) {
            throw new InvalidInputException("empty directory setting", "give an absolute path");
        }
        return Path.of(chosen).toAbsolutePath().normalize();
    }

    private static Map<String, String> merge(Map<String, String> defaults, Map<String, String> values) {
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        merged.putAll(values);
        return merged;
    }
}
