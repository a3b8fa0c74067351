package cocoon.plugin.qemu;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the host offers for KVM: the device node and the loaded kvm modules under {@code /sys/module}.
 * Both roots are parameters so the acceleration choice can be tested against a fake host.
 */
record KvmHost(Path device, Path sysModule) {

    static KvmHost system() {
        return new KvmHost(Path.of("/dev/kvm"), Path.of("/sys/module"));
    }

    /** QEMU opens /dev/kvm read-write; anything less fails at launch. */
    boolean deviceUsable() {
        return Files.exists(device) && Files.isReadable(device) && Files.isWritable(device);
    }

    /**
     * PVM is KVM for nested guests without hardware virtualization: it runs only PVM-enabled guest
     * kernels, and stock kernels hang under it.
     */
    boolean isPvm() {
        return Files.exists(sysModule.resolve("kvm_pvm"))
                && !Files.exists(sysModule.resolve("kvm_intel"))
                && !Files.exists(sysModule.resolve("kvm_amd"));
    }
}
