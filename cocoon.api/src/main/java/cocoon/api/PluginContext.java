package cocoon.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the runtime hands a plugin when it opens it: the directories, the plugin's settings (its
 * config section merged over its defaults) and the runtime's shared services: external programs,
 * store locks, atomic JSON files and the hypervisor-process machinery drivers share.
 */
public record PluginContext(
        Path rootDir,
        Path runDir,
        Path logDir,
        Map<String, String> settings,
        Processes processes,
        StoreLocks locks,
        JsonFiles json,
        VmmProcesses vmms) {

    public PluginContext {
        settings = Map.copyOf(settings);
    }

    /** {@code <root-dir>/tmp}: in-flight downloads and conversions; GC removes what is old and unlocked. */
    public Path tmpDir() {
        return rootDir.resolve("tmp");
    }

    public String setting(String key) {
        String value = settings.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no setting " + key);
        }
        return value;
    }
}
