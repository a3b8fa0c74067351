package cocoon.runtime.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * The create flags as given; null means "use the configured default".
 *
 * @param sshKeyFiles public-key files whose lines become the guest user's authorized keys
 */
public record CreateRequest(
        String image,
        String name,
        Integer cpus,
        Long memoryBytes,
        Long storageBytes,
        String hypervisor,
        String accel,
        String user,
        String password,
        List<Path> sshKeyFiles) {
}
