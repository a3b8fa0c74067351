package cocoon.plugin.oci;

import cocoon.api.DiskBuilder;
import cocoon.api.PluginContext;
import cocoon.plugin.oci.disk.CowDiskBuilder;
import cocoon.plugin.oci.image.OciImageSource;

/** Registers the raw copy-on-write disk builder for OCI images ({@code kind = oci}). */
public final class OciDiskBuilderProvider implements DiskBuilder.Provider {

    @Override
    public String kind() {
        return OciImageSource.KIND;
    }

    @Override
    public DiskBuilder open(PluginContext context) {
        return new CowDiskBuilder(context.processes());
    }
}
