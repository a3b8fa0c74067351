package cocoon.plugin.cloudimage.download;

import java.time.Duration;

/**
 * The HTTP client's limits, from the plugin's settings.
 *
 * @param readTimeout  longest wait for response headers or for the next bytes of a body
 */
public record HttpSettings(Duration connectTimeout, Duration readTimeout, int maxRedirects) {}
