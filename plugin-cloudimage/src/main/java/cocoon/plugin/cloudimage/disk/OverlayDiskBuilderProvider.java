package cocoon.plugin.cloudimage.disk;

import cocoon.api.DiskBuilder;
import cocoon.api.PluginContext;
import cocoon.plugin.cloudimage.CloudImageSourceProvider;

/** Registers the disk builder for {@code cloudimg} images: a qcow2 overlay and a NoCloud seed disk. */
public final class OverlayDiskBuilderProvider implements DiskBuilder.Provider {

    @Override
    public String kind() {
        return CloudImageSourceProvider.KIND;
    }

    @Override
    public DiskBuilder open(PluginContext context) {
        return new OverlayDiskBuilder(context.processes());
    }
}
