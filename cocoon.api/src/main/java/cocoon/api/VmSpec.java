package cocoon.api;

import java.nio.file.Path;
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

    /**
     * The login a cloud image's seed disk provisions.
     *
     * @param sshKeyFiles the public-key files the authorized keys were read from, absolute: {@code cocoon ssh}
     *                    logs in with the private key beside each; records older than it read as none
     */
    public record CloudInit(String user, String password, List<String> sshAuthorizedKeys, List<Path> sshKeyFiles) {
        public CloudInit {
            sshAuthorizedKeys = List.copyOf(sshAuthorizedKeys);
            sshKeyFiles = sshKeyFiles == null ? List.of() : List.copyOf(sshKeyFiles);
        }
    }
}
