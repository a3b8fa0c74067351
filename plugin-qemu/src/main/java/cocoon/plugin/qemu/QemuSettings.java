package cocoon.plugin.qemu;

import cocoon.api.InvalidInputException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code [qemu]} config section, parsed once.
 *
 * @param accel         {@code auto}, {@code kvm} or {@code tcg}; a VM's own choice overrides it
 * @param startTimeout  how long QEMU may take to answer on QMP before a launch counts as failed
 */
record QemuSettings(String binary, String accel, Path firmwareCode, Path firmwareVars, Duration startTimeout) {

    static final Map<String, String> DEFAULTS = Map.of(
            "binary", "qemu-system-x86_64",
            "accel", "auto",
            "firmware_code", "/usr/share/OVMF/OVMF_CODE_4M.fd",
            "firmware_vars", "/usr/share/OVMF/OVMF_VARS_4M.fd",
            "start_timeout", "30");

    static QemuSettings from(Map<String, String> settings) {
        String accel = Acceleration.Mode.parse(setting(settings, "accel")).label();
        return new QemuSettings(
                setting(settings, "binary"),
                accel,
                Path.of(setting(settings, "firmware_code")),
                Path.of(setting(settings, "firmware_vars")),
                Duration.ofSeconds(seconds(setting(settings, "start_timeout"))));
    }

    private static String setting(Map<String, String> settings, String key) {
        String value = settings.getOrDefault(key, DEFAULTS.get(key));
        if (value == null || value.isBlank()) {
            throw new InvalidInputException("[qemu] " + key + " is empty", "set it or remove it to use " + DEFAULTS.get(key));
        }
        return value.strip();
    }

    private static long seconds(String value) {
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // falls through to the same message as a non-positive number
        }
        throw new InvalidInputException("[qemu] start_timeout is not a positive number of seconds: " + value,
                "set start_timeout = \"30\" or another whole number of seconds");
    }
}
