package cocoon.plugin.oci;

import cocoon.api.ImageSource;
import cocoon.api.PluginContext;
import cocoon.api.Setting;
import cocoon.plugin.oci.image.OciImageSource;
import cocoon.plugin.oci.image.OciSettings;
import cocoon.plugin.oci.registry.DockerCredentials;
import java.util.List;

/** Registers the OCI registry image source ({@code kind = oci}). */
public final class OciImageSourceProvider implements ImageSource.Provider {

    @Override
    public String kind() {
        return OciImageSource.KIND;
    }

    @Override
    public List<Setting<?>> settings() {
        return OciSettings.DECLARED;
    }

    @Override
    public ImageSource open(PluginContext context) {
        return new OciImageSource(
                context, OciSettings.from(context.settings()), DockerCredentials.ofThisProcess(context.processes()));
    }
}
