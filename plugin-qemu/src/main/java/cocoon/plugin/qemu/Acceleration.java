package cocoon.plugin.qemu;

import cocoon.api.InvalidInputException;
import java.util.Locale;

/**
 * The accelerator and CPU model a VM gets, and why.
 *
 * @param usable  false when KVM was demanded but this host cannot provide it
 */
record Acceleration(Accelerator accelerator, String cpuModel, boolean usable, String reason) {

    /** What QEMU's {@code -machine accel=} takes. */
    enum Accelerator {
        KVM,
        TCG;

        String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a user may ask for. */
    enum Mode {
        AUTO,
        KVM,
        TCG;

        static Mode parse(String value) {
            if (value == null || value.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown QEMU acceleration '" + value + "'", "use auto, kvm or tcg");
            }
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The VM's own choice wins over the configured one unless it is {@code auto}. */
    static Acceleration choose(String vmChoice, String configured, KvmHost host) {
        Mode mode = Mode.parse(vmChoice);
        return choose(mode == Mode.AUTO ? Mode.parse(configured) : mode, host);
    }

    static Acceleration choose(Mode mode, KvmHost host) {
        return switch (mode) {
            case TCG -> tcg("TCG requested");
            case KVM -> {
                if (!host.deviceUsable()) {
                    yield new Acceleration(
                            Accelerator.KVM,
                            "host",
                            false,
                            "KVM requested but " + host.device() + " is missing or not read-write for this user");
                }
                // -cpu host aborts under PVM (it cannot set MSR 0x10a), so PVM gets QEMU's default model.
                yield host.isPvm()
                        ? new Acceleration(
                                Accelerator.KVM,
                                "qemu64",
                                true,
                                "KVM is PVM (nested): only PVM-enabled guest kernels will boot")
                        : kvm("KVM requested");
            }
            case AUTO -> {
                if (!host.deviceUsable()) {
                    yield tcg("no usable " + host.device() + ": using TCG");
                }
                yield host.isPvm() ? tcg("KVM is PVM (nested): using TCG") : kvm("using KVM");
            }
        };
    }

    private static Acceleration tcg(String reason) {
        // "max" gives the emulated guest every feature TCG implements.
        return new Acceleration(Accelerator.TCG, "max", true, reason);
    }

    private static Acceleration kvm(String reason) {
        return new Acceleration(Accelerator.KVM, "host", true, reason);
    }
}
