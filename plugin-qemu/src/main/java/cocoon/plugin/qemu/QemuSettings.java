package cocoon.plugin.qemu;

import cocoon.api.Setting;
import cocoon.api.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code [qemu]} config section; each key's declaration says what it means.
 *
 * @param accel {@code auto}, {@code kvm} or {@code tcg}; a VM's own choice overrides it
 */
record QemuSettings(String binary, String accel, Path firmwareCode, Path firmwareVars, Duration startTimeout) {

    static final Setting<String> BINARY =
            Setting.text("binary", "qemu-system-x86_64", "the QEMU program: a name looked up on PATH, or a path");
    static final Setting<String> ACCEL = Setting.choice(
            "accel",
            "auto",
            List.of("auto", "kvm", "tcg"),
            "accelerator of VMs that ask for none; auto picks KVM only where it can run a stock kernel, else TCG");
    static final Setting<Path> FIRMWARE_CODE = Setting.path(
            "firmware_code",
            Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"),
            "UEFI firmware code (OVMF), for images without a kernel");
    static final Setting<Path> FIRMWARE_VARS = Setting.path(
            "firmware_vars",
            Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"),
            "UEFI variable store template, copied for each such VM");
    static final Setting<Duration> START_TIMEOUT = Setting.duration(
            "start_timeout",
            Duration.ofSeconds(30),
            "how long QEMU may take to answer on QMP before a launch counts as failed");

    static final List<Setting<?>> DECLARED = List.of(BINARY, ACCEL, FIRMWARE_CODE, FIRMWARE_VARS, START_TIMEOUT);

    /** The section's values, as the runtime read and checked them against {@link #DECLARED}. */
    QemuSettings(SettingValues settings) {
        this(
                settings.get(BINARY),
                settings.get(ACCEL),
                settings.get(FIRMWARE_CODE),
                settings.get(FIRMWARE_VARS),
                settings.get(START_TIMEOUT));
    }
}
