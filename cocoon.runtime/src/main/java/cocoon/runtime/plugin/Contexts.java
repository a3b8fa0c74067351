package cocoon.runtime.plugin;

import cocoon.api.PluginContext;
import cocoon.api.SettingValues;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.FileStoreLocks;

import java.nio.file.Path;

/** Builds the {@link PluginContext} every plugin is opened with, backed by the runtime's real services. */
public final class Contexts {

    private Contexts() {
    }

    public static PluginContext of(Path rootDir, Path runDir, Path logDir, SettingValues settings) {
        return new PluginContext(rootDir, runDir, logDir, settings,
                new HostProcesses(), FileStoreLocks.forRoot(rootDir), new AtomicJsonFiles());
    }
}
