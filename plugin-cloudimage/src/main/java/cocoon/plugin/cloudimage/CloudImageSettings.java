package cocoon.plugin.cloudimage;

import cocoon.api.PluginContext;
import cocoon.api.Setting;
import cocoon.api.SettingValues;
import cocoon.plugin.cloudimage.download.DownloadLimits;
import cocoon.plugin.cloudimage.download.HttpSettings;
import java.time.Duration;
import java.util.List;

/**
 * The {@code [cloudimg]} config section as the image source reads it: HTTP limits, how large a download
 * may grow and how much space it must leave free, and how long a conversion may take.
 */
public record CloudImageSettings(HttpSettings http, DownloadLimits limits, Duration convertTimeout) {

    static final Setting<Duration> CONNECT_TIMEOUT = Setting.duration(
            "connect_timeout", Duration.ofSeconds(30), "how long connecting to the image's server may take");
    static final Setting<Duration> READ_TIMEOUT = Setting.duration(
            "read_timeout",
            Duration.ofSeconds(60),
            "longest wait for response headers or for the next bytes of a body");
    static final Setting<Long> MAX_REDIRECTS =
            Setting.wholeNumber("max_redirects", 5, 0, 100, "redirects one download may follow");
    static final Setting<Long> MAX_SIZE =
            Setting.size("max_size", 64L << 30, "largest download; a body that goes on past it is cut off and refused");
    static final Setting<Long> MIN_FREE =
            Setting.size("min_free", 1L << 30, "space a download must leave free in the root dir's file system");
    static final Setting<Duration> CONVERT_TIMEOUT = Setting.duration(
            "convert_timeout",
            Duration.ofMinutes(30),
            "how long qemu-img may take to convert a downloaded image to qcow2");

    static final List<Setting<?>> DECLARED =
            List.of(CONNECT_TIMEOUT, READ_TIMEOUT, MAX_REDIRECTS, MAX_SIZE, MIN_FREE, CONVERT_TIMEOUT);

    static CloudImageSettings from(PluginContext context) {
        SettingValues settings = context.settings();
        return new CloudImageSettings(
                new HttpSettings(
                        settings.get(CONNECT_TIMEOUT),
                        settings.get(READ_TIMEOUT),
                        Math.toIntExact(settings.get(MAX_REDIRECTS))),
                new DownloadLimits(settings.get(MAX_SIZE), settings.get(MIN_FREE)),
                settings.get(CONVERT_TIMEOUT));
    }
}
