package cocoon.plugin.chv;

import cocoon.api.InvalidInputException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code [chv]} config section.
 *
 * @param binary        program name looked up on PATH, or a path to it
 * @param firmware      UEFI firmware built for Cloud Hypervisor (edk2 {@code CLOUDHV.fd}), used for images without a kernel
 * @param startTimeout  how long {@code start} waits for the API socket to answer
 * @param stopGrace     how long each hard-stop step (API shutdown, SIGTERM, SIGKILL) may take
 * @param apiTimeout    how long one API request may take
 */
public record ChvSettings(String binary, Path firmware, Duration startTimeout, Duration stopGrace, Duration apiTimeout) {

    public static final Map<String, String> DEFAULTS = Map.of(
            "binary", "cloud-hypervisor",
            "firmware", "/usr/share/cloud-hypervisor/CLOUDHV.fd",
            "start_timeout", "30",
            "stop_grace", "5",
            "api_timeout", "5");

    public static ChvSettings from(Map<String, String> settings) {
        return new ChvSettings(
                value(settings, "binary"),
                Path.of(value(settings, "firmware")),
                seconds(settings, "start_timeout"),
                seconds(settings, "stop_grace"),
                seconds(settings, "api_timeout"));
    }

    private static String value(Map<String, String> settings, String key) {
        String value = settings.getOrDefault(key, DEFAULTS.get(key));
        if (value == null || value.isBlank()) {
            throw new InvalidInputException("[chv] " + key + " is empty", "set it in the config file or remove the line to use the default");
        }
        return value.strip();
    }

    private static Duration seconds(Map<String, String> settings, String key) {
        String value = value(settings, key);
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below with the same message as a non-positive number
        }
        throw new InvalidInputException("[chv] " + key + " = \"" + value + "\" is not a positive number of seconds",
                "write a whole number such as " + DEFAULTS.get(key));
    }
}
