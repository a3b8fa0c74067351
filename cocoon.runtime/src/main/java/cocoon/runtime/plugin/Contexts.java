package cocoon.runtime.plugin;

import cocoon.api.PluginContext;
import cocoon.api.SettingValues;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.vmm.HostVmmProcesses;
import java.nio.file.Path;

/** Builds the {@link PluginContext} every plugin is opened with, backed by the runtime's real services. */
public final class Contexts {

    private Contexts() {}

    /** A context outside an installed image: no shared files. */
    public static PluginContext of(LockScope locks, Path rootDir, Path runDir, Path logDir, SettingValues settings) {
        return of(locks, rootDir, runDir, logDir, settings, null);
    }

    /** {@code locks} names the plugin's store lock and its own locks; {@code sharedDir} may be null. */
    public static PluginContext of(
            LockScope locks, Path rootDir, Path runDir, Path logDir, SettingValues settings, Path sharedDir) {
        HostProcesses processes = new HostProcesses();
        return new PluginContext(
                rootDir,
                runDir,
                logDir,
                settings,
                processes,
                FileStoreLocks.forRoot(rootDir).forPlugin(locks),
                new AtomicJsonFiles(),
                new HostVmmProcesses(processes),
                sharedDir);
    }
}
