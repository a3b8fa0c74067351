package cocoon.plugin.cloudimage;

import cocoon.api.InvalidInputException;
import cocoon.api.PluginContext;
import cocoon.plugin.cloudimage.download.DownloadLimits;
import cocoon.plugin.cloudimage.download.HttpSettings;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code [cloudimg]} config section: HTTP limits (seconds), how large a download may grow and how
 * much space it must leave free (sizes such as {@code "64G"}), and how long a conversion may take.
 */
public record CloudImageSettings(HttpSettings http, DownloadLimits limits, Duration convertTimeout) {

    static final Map<String, String> DEFAULTS = Map.of(
            "connect_timeout", "30",
            "read_timeout", "60",
            "max_redirects", "5",
            "max_size", "64G",
            "min_free", "1G",
            "convert_timeout", "1800");

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);

    static CloudImageSettings from(PluginContext context) {
        return new CloudImageSettings(
                new HttpSettings(
                        Duration.ofMillis(millis(context, "connect_timeout")),
                        Duration.ofMillis(millis(context, "read_timeout")),
                        (int) number(context, "max_redirects")),
                new DownloadLimits(size(context, "max_size"), size(context, "min_free")),
                Duration.ofMillis(millis(context, "convert_timeout")));
    }

    /** Seconds as configured; fractions are allowed so tests can use short timeouts. */
    private static long millis(PluginContext context, String key) {
        String value = setting(context, key);
        try {
            double seconds = Double.parseDouble(value);
            if (seconds <= 0) {
                throw new NumberFormatException();
            }
            return Math.round(seconds * 1000);
        } catch (NumberFormatException e) {
            throw invalid(key, value);
        }
    }

    private static long number(PluginContext context, String key) {
        String value = setting(context, key);
        try {
            long number = Long.parseLong(value);
            if (number < 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw invalid(key, value);
        }
    }

    /** Bytes, or a whole number with a binary unit: {@code 512M}, {@code 64G}. */
    private static long size(PluginContext context, String key) {
        String value = setting(context, key);
        Matcher m = SIZE.matcher(value.strip());
        if (m.matches()) {
            int shift = 10 * "KMGT".indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 10;
            BigInteger bytes = new BigInteger(m.group(1)).shiftLeft(m.group(2).isEmpty() ? 0 : shift);
            if (bytes.bitLength() < 63) {
                return bytes.longValue();
            }
        }
        throw new InvalidInputException("[cloudimg] " + key + " = \"" + value + "\" is not a size",
                "set it to a whole number of bytes with an optional unit K, M, G or T, e.g. \"64G\"");
    }

    private static String setting(PluginContext context, String key) {
        return context.settings().getOrDefault(key, DEFAULTS.get(key));
    }

    private static InvalidInputException invalid(String key, String value) {
        return new InvalidInputException("[cloudimg] " + key + " = \"" + value + "\" is not a positive number",
                "set it to a number of seconds (or a count for max_redirects) in the config file");
    }
}
