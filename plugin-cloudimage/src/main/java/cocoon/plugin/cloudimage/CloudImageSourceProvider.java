package cocoon.plugin.cloudimage;

import cocoon.api.ImageSource;
import cocoon.api.PluginContext;

import java.util.Map;

/** Registers the {@code cloudimg} image source: disk images fetched over HTTP/HTTPS. */
public final class CloudImageSourceProvider implements ImageSource.Provider {

    public static final String KIND = "cloudimg";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Map<String, String> defaultSettings() {
        return CloudImageSettings.DEFAULTS;
    }

    @Override
    public ImageSource open(PluginContext context) {
        return new CloudImageSource(context, CloudImageSettings.from(context));
    }
}
