package cocoon.plugin.chv;

import cocoon.api.Setting;
import cocoon.api.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The {@code [chv]} config section; each key's declaration says what it means. */
public record ChvSettings(
        String binary, Path firmware, Duration startTimeout, Duration stopGrace, Duration apiTimeout) {

    static final Setting<String> BINARY = Setting.text(
            "binary", "cloud-hypervisor", "the cloud-hypervisor program: a name looked up on PATH, or a path");
    static final Setting<Path> FIRMWARE = Setting.path(
            "firmware",
            Path.of("/usr/share/cloud-hypervisor/CLOUDHV.fd"),
            "UEFI firmware built for Cloud Hypervisor (edk2 CLOUDHV.fd), for images without a kernel");
    static final Setting<Duration> START_TIMEOUT = Setting.duration(
            "start_timeout", Duration.ofSeconds(30), "how long start waits for the API socket to answer");
    static final Setting<Duration> STOP_GRACE = Setting.duration(
            "stop_grace",
            Duration.ofSeconds(5),
            "how long each hard-stop step (API shutdown, SIGTERM, SIGKILL) may take");
    static final Setting<Duration> API_TIMEOUT =
            Setting.duration("api_timeout", Duration.ofSeconds(5), "how long one API request may take");

    public static final List<Setting<?>> DECLARED = List.of(BINARY, FIRMWARE, START_TIMEOUT, STOP_GRACE, API_TIMEOUT);

    public static ChvSettings from(SettingValues settings) {
        return new ChvSettings(
                settings.get(BINARY),
                settings.get(FIRMWARE),
                settings.get(START_TIMEOUT),
                settings.get(STOP_GRACE),
                settings.get(API_TIMEOUT));
    }
}
