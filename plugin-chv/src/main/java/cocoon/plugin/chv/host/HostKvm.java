package cocoon.plugin.chv.host;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Whether this host's KVM can run Cloud Hypervisor guests. */
public final class HostKvm {

    private final Path kvmDevice;
    private final Path sysModules;

    public HostKvm() {
        this(Path.of("/dev/kvm"), Path.of("/sys/module"));
    }

    public HostKvm(Path kvmDevice, Path sysModules) {
        this.kvmDevice = kvmDevice;
        this.sysModules = sysModules;
    }

    /** Empty when KVM is usable; otherwise what is wrong and what to do. */
    public Optional<String> problem() {
        if (!Files.exists(kvmDevice)) {
            return Optional.of(
                    kvmDevice + " does not exist: enable virtualization in the firmware and load kvm_intel or kvm_amd"
                            + " (or use --hypervisor qemu, which falls back to TCG)");
        }
        try {
            // Opening it read-write is exactly what the hypervisor will do.
            new RandomAccessFile(kvmDevice.toFile(), "rw").close();
        } catch (IOException e) {
            return Optional.of("cannot open " + kvmDevice + " read-write (" + e.getMessage()
                    + "): add your user to the kvm group");
        }
        if (isPvmOnly()) {
            return Optional.of(
                    "KVM here is PVM (kvm_pvm loaded, no kvm_intel or kvm_amd): stock guest kernels hang under it;"
                            + " use --hypervisor qemu (TCG) on this host");
        }
        return Optional.empty();
    }

    /** PVM is a page-table-based nested KVM; only PVM-enabled guest kernels boot on it. */
    boolean isPvmOnly() {
        return Files.isDirectory(sysModules.resolve("kvm_pvm"))
                && !Files.isDirectory(sysModules.resolve("kvm_intel"))
                && !Files.isDirectory(sysModules.resolve("kvm_amd"));
    }
}
