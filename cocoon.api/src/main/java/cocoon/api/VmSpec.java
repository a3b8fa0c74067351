package cocoon.api;

import java.util.List;

/**
 * What the user asked for when creating a VM. Sizes are bytes.
 *
 * @param hypervisor the resolved hypervisor name ({@code chv}, {@code qemu})
 * @param accel      QEMU acceleration: {@code auto}, {@code kvm} or {@code tcg}
 */
public record VmSpec(
        String name,
        int cpus,
        long memoryBytes,
        long storageBytes,
        String hypervisor,
        String accel,
        CloudInit cloudInit) {

    /** The login a cloud image's seed disk provisions. */
    public record CloudInit(String user, String password, List<String> sshAuthorizedKeys) {
        public CloudInit {
            sshAuthorizedKeys = List.copyOf(sshAuthorizedKeys);
        }
    }
}
