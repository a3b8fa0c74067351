package cocoon.plugin.cloudimage;

import cocoon.api.InvalidInputException;
import cocoon.api.PluginContext;
import cocoon.plugin.cloudimage.download.HttpSettings;

import java.time.Duration;
import java.util.Map;

/** The {@code [cloudimg]} config section: HTTP limits (seconds) and how long a conversion may take. */
public record CloudImageSettings(HttpSettings http, Duration convertTimeout) {

    static final Map<String, String> DEFAULTS = Map.of(
            "connect_timeout", "30",
            "read_timeout", "60",
            "max_redirects", "5",
            "convert_timeout", "1800");

    static CloudImageSettings from(PluginContext context) {
        return new CloudImageSettings(
                new HttpSettings(
                        Duration.ofMillis(millis(context, "connect_timeout")),
                        Duration.ofMillis(millis(context, "read_timeout")),
                        (int) number(context, "max_redirects")),
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

    private static String setting(PluginContext context, String key) {
        return context.settings().getOrDefault(key, DEFAULTS.get(key));
    }

    private static InvalidInputException invalid(String key, String value) {
        return new InvalidInputException("[cloudimg] " + key + " = \"" + value + "\" is not a positive number",
                "set it to a number of seconds (or a count for max_redirects) in the config file");
    }
}
