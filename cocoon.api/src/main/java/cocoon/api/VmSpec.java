package cocoon.api;

import java.util.List;
import java.util.Map;

/**
 * What the user asked for when creating a VM. Sizes are bytes.
 *
 * @param hypervisor         the resolved hypervisor name ({@code chv}, {@code qemu})
 * @param hypervisorOptions  options only that hypervisor understands, as it validated them (QEMU's {@code accel})
 */
public record VmSpec(
        String name,
        int cpus,
        long memoryBytes,
        long storageBytes,
        String hypervisor,
        Map<String, String> hypervisorOptions,
        CloudInit cloudInit) {

    public VmSpec {
        hypervisorOptions = hypervisorOptions == null ? Map.of() : Map.copyOf(hypervisorOptions);
    }

    /** The login a cloud image's seed disk provisions. */
    public record CloudInit(String user, String password, List<String> sshAuthorizedKeys) {
        public CloudInit {
            sshAuthorizedKeys = List.copyOf(sshAuthorizedKeys);
        }
    }
}
