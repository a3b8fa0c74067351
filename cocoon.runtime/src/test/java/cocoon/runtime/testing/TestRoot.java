package cocoon.runtime.testing;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.config.Settings;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.VmStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A root, run and log dir in a test's temp folder, with the runtime's stores and plugins over them. */
public final class TestRoot {

    public final Path root;
    public final Path run;
    public final Path log;
    private final Path config;

    public TestRoot(Path dir) {
        this.root = dir.resolve("root");
        this.run = dir.resolve("run");
        this.log = dir.resolve("log");
        this.config = dir.resolve("config.toml");
        try {
            Files.createDirectories(root);
            Files.writeString(config, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileStoreLocks locks() {
        return FileStoreLocks.forRoot(root);
    }

    public VmStore vms() {
        return new VmStore(root, run, log, locks(), new AtomicJsonFiles());
    }

    /** The settings an empty config file gives, over these dirs. */
    public Settings settings(PluginCatalog catalog) {
        return Settings.resolve(
                new Settings.Flags(config, root, run, log),
                Map.of(),
                catalog.hypervisorNames(),
                catalog.networkModes(),
                catalog.settingSections());
    }

    public Plugins plugins(PluginCatalog catalog) {
        return new Plugins(catalog, settings(catalog), null);
    }

    /** Writes the record of a stopped VM named {@code vm-<id>} that boots as {@code boot} from {@code disks}. */
    public VmRecord writeRecord(String id, List<Disk> disks, BootSpec boot) {
        VmSpec spec = new VmSpec(
                "vm-" + id,
                1,
                1L << 30,
                1L << 30,
                "fake",
                Map.of(),
                new VmSpec.CloudInit("cocoon", "cocoon", List.of(), List.of()));
        VmRecord record = new VmRecord(
                id,
                spec.name(),
                VmState.STOPPED,
                spec,
                new VmRecord.ImageRef("fake", "fake/image", "sha256:" + "0".repeat(64)),
                boot,
                disks,
                Instant.EPOCH,
                null,
                0,
                null,
                null);
        new AtomicJsonFiles().write(root.resolve("vms").resolve(id).resolve("vm.json"), record);
        return record;
    }
}
