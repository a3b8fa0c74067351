package cocoon.plugin.oci;

import cocoon.api.DiskBuilder;
import cocoon.api.PluginContext;
import cocoon.api.Setting;
import cocoon.plugin.oci.disk.CowDiskBuilder;
import cocoon.plugin.oci.image.OciImageSource;
import java.time.Duration;
import java.util.List;

/** Registers the raw copy-on-write disk builder for OCI images ({@code kind = oci}). */
public final class OciDiskBuilderProvider implements DiskBuilder.Provider {

    static final Setting<Duration> FORMAT_TIMEOUT = Setting.duration(
            "format_timeout", Duration.ofMinutes(10), "how long mkfs.ext4 may take to format a VM's writable disk");

    @Override
    public String kind() {
        return OciImageSource.KIND;
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(FORMAT_TIMEOUT);
    }

    @Override
    public DiskBuilder open(PluginContext context) {
        return new CowDiskBuilder(context.processes(), context.settings().get(FORMAT_TIMEOUT));
    }
}
