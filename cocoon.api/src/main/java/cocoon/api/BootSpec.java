package cocoon.api;

import java.nio.file.Path;

/**
 * How a VM boots: straight into a kernel (with an optional initrd and command line), or through
 * UEFI firmware that the hypervisor supplies.
 */
public record BootSpec(Mode mode, Path kernel, Path initrd, String cmdline) {

    public enum Mode {
        KERNEL,
        FIRMWARE
    }

    public static BootSpec kernel(Path kernel, Path initrd, String cmdline) {
        return new BootSpec(Mode.KERNEL, kernel, initrd, cmdline == null ? "" : cmdline);
    }

    public static BootSpec firmware() {
        return new BootSpec(Mode.FIRMWARE, null, null, "");
    }

    public boolean bootsKernel() {
        return mode == Mode.KERNEL;
    }

    /** The same boot with {@code extra} appended to the command line. */
    public BootSpec withCmdline(String extra) {
        if (extra == null || extra.isBlank()) {
            return this;
        }
        String joined = cmdline == null || cmdline.isBlank() ? extra : cmdline + " " + extra;
        return new BootSpec(mode, kernel, initrd, joined);
    }
}
