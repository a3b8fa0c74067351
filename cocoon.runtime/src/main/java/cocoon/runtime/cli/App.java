package cocoon.runtime.cli;

import cocoon.api.VmState;
import cocoon.runtime.config.Settings;
import cocoon.runtime.gc.Collector;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.snapshot.SnapshotStore;
import cocoon.runtime.snapshot.Snapshots;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.vm.Lifecycle;
import java.nio.file.Path;

/** Wires settings, plugins and stores for one command. */
final class App {

    private final Settings settings;
    private final Plugins plugins;
    private final VmStore vms;
    private final ImageCatalog images;
    private final Lifecycle lifecycle;
    private final SnapshotStore snapshots;

    App(Settings.Flags flags) {
        PluginCatalog catalog = PluginCatalog.discover(pluginDir());
        this.settings = Settings.resolve(
                flags, System.getenv(), catalog.hypervisorNames(), catalog.networkModes(), catalog.settingSections());
        settings.oldSpellings().forEach(line -> System.err.println("cocoon: " + line));
        this.plugins = new Plugins(catalog, settings, sharedDir());
        this.vms = new VmStore(
                settings.rootDir(),
                settings.runDir(),
                settings.logDir(),
                FileStoreLocks.forRoot(settings.rootDir()),
                new AtomicJsonFiles());
        this.images = new ImageCatalog(plugins);
        this.lifecycle = new Lifecycle(vms, images, plugins, settings, line -> System.err.println("cocoon: " + line));
        this.snapshots = new SnapshotStore(settings.rootDir(), vms.locks(), new AtomicJsonFiles());
    }

    Settings settings() {
        return settings;
    }

    Plugins plugins() {
        return plugins;
    }

    VmStore vms() {
        return vms;
    }

    ImageCatalog images() {
        return images;
    }

    Lifecycle lifecycle() {
        return lifecycle;
    }

    SnapshotStore snapshots() {
        return snapshots;
    }

    /** Save, clone and restore; their progress goes to stderr. */
    Snapshots snapshotting() {
        return new Snapshots(
                vms, snapshots, plugins, lifecycle, new HostProcesses(), line -> System.err.println("cocoon: " + line));
    }

    Collector collector() {
        return new Collector(
                vms,
                snapshots,
                plugins.sources(),
                plugins.networks(),
                vm -> {
                    VmState state = lifecycle.live(vm).state();
                    return state == VmState.RUNNING || state == VmState.PAUSED;
                },
                settings.rootDir(),
                settings.runDir(),
                settings.logDir());
    }

    /** {@code <image>/share}: Cocoon's own initrd without modules, which a kernel image's modules are added to. */
    private static Path sharedDir() {
        String home = System.getProperty("cocoon.home");
        return home == null ? null : Path.of(home, "share");
    }

    /** {@code <image>/plugins}, from the launcher's {@code cocoon.home}; {@code COCOON_PLUGIN_DIR} overrides. */
    private static Path pluginDir() {
        String explicit = System.getenv("COCOON_PLUGIN_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("cocoon.home");
        return home == null ? null : Path.of(home, "plugins");
    }
}
