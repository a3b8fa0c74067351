package cocoon.plugin.cloudimage.disk;

import cocoon.api.DiskBuilder;
import cocoon.api.PluginContext;
import cocoon.api.Setting;
import cocoon.plugin.cloudimage.CloudImageSourceProvider;
import java.time.Duration;
import java.util.List;

/** Registers the disk builder for {@code cloudimg} images: a qcow2 overlay and a NoCloud seed disk. */
public final class OverlayDiskBuilderProvider implements DiskBuilder.Provider {

    static final Setting<Duration> OVERLAY_TIMEOUT = Setting.duration(
            "overlay_timeout", Duration.ofMinutes(1), "how long qemu-img may take to create a VM's overlay disk");
    static final Setting<Duration> SEED_TIMEOUT = Setting.duration(
            "seed_timeout",
            Duration.ofSeconds(30),
            "how long mkfs.vfat and mcopy may each take to write a VM's cloud-init seed disk");

    @Override
    public String kind() {
        return CloudImageSourceProvider.KIND;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(OVERLAY_TIMEOUT, SEED_TIMEOUT);
    }

    @Override
    public DiskBuilder open(PluginContext context) {
        return new OverlayDiskBuilder(
                context.processes(),
                context.settings().get(OVERLAY_TIMEOUT),
                context.settings().get(SEED_TIMEOUT));
    }
}
