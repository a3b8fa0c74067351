package cocoon.api;

import java.nio.file.Path;

/**
 * What the runtime hands a plugin when it opens it: the directories, the plugin's settings (its
 * config section read against the settings its provider declares) and the runtime's shared services:
 * external programs, store locks, atomic JSON files and the hypervisor-process machinery drivers share.
 *
 * @param sharedDir the installation's shared files ({@code share/} of the runtime image), such as Cocoon's own
 *                  initrd without modules; null when the runtime runs outside an installed image
 */
public record PluginContext(
        Path rootDir,
        Path runDir,
        Path logDir,
        SettingValues settings,
        Processes processes,
        StoreLocks locks,
        JsonFiles json,
        VmmProcesses vmms,
        Path sharedDir) {

    /** {@code <root-dir>/tmp}: in-flight downloads and conversions; GC removes what is old and unlocked. */
    public Path tmpDir() {
        return rootDir.resolve("tmp");
    }
}
