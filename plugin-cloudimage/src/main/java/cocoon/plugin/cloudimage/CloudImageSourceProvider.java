package cocoon.plugin.cloudimage;

import cocoon.api.ImageSource;
import cocoon.api.PluginContext;
import cocoon.api.Setting;
import java.util.List;

/** Registers the {@code cloudimg} image source: disk images fetched over HTTP/HTTPS. */
public final class CloudImageSourceProvider implements ImageSource.Provider {

    public static final String KIND = "cloudimg";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public List<Setting<?>> settings() {
        return CloudImageSettings.DECLARED;
    }

    @Override
    public ImageSource open(PluginContext context) {
        return new CloudImageSource(context, CloudImageSettings.from(context));
    }
}
