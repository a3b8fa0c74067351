package cocoon.plugin.oci.image;

import cocoon.api.InvalidInputException;
import cocoon.plugin.oci.layer.LayerLimits;

import java.time.Duration;
import java.util.Map;

/**
 * The {@code [oci]} config section.
 *
 * @param parallelDownloads layers fetched and converted at the same time
 * @param erofsCompression  {@code mkfs.erofs -z} algorithm ({@code lz4}, {@code lz4hc}), or empty for none
 * @param toolTimeout       how long one mkfs.erofs / zstd run may take
 */
public record OciSettings(int parallelDownloads, String erofsCompression, LayerLimits limits, Duration toolTimeout) {

    public static final Map<String, String> DEFAULTS = Map.of(
            "parallel_downloads", "3",
            "erofs_compression", "",
            "max_layer_bytes", Long.toString(64L << 30),
            "max_layer_entries", "2000000",
            "min_free_bytes", Long.toString(1L << 30),
            "tool_timeout_seconds", "3600");

    public static OciSettings from(Map<String, String> settings) {
        String compression = value(settings, "erofs_compression").strip();
        if (!compression.isEmpty() && !compression.matches("lz4|lz4hc(,\\d+)?")) {
            throw new InvalidInputException("[oci] erofs_compression = \"" + compression + "\" is not supported",
                    "use \"lz4\", \"lz4hc\" or \"\" (mkfs.erofs 1.5 knows no other compressor)");
        }
        return new OciSettings(
                (int) number(settings, "parallel_downloads", 1, 16),
                compression,
                new LayerLimits(
                        number(settings, "max_layer_bytes", 1, Long.MAX_VALUE),
                        number(settings, "max_layer_entries", 1, Long.MAX_VALUE),
                        number(settings, "min_free_bytes", 0, Long.MAX_VALUE)),
                Duration.ofSeconds(number(settings, "tool_timeout_seconds", 1, 86_400)));
    }

    private static String value(Map<String, String> settings, String key) {
        return settings.getOrDefault(key, DEFAULTS.get(key));
    }

    private static long number(Map<String, String> settings, String key, long min, long max) {
        String text = value(settings, key).strip();
        try {
            long parsed = Long.parseLong(text);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new InvalidInputException("[oci] " + key + " = \"" + text + "\" is not a whole number from " + min + " to " + max,
                "fix the [oci] section of the config file");
    }
}
