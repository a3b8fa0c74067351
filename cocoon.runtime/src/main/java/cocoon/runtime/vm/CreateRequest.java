package cocoon.runtime.vm;

import cocoon.api.PublishedPort;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The create flags as given; null means "use the configured default".
 *
 * @param hypervisorOptions options for the chosen hypervisor only ({@code --accel}); it validates them
 * @param sshKeyFiles public-key files whose lines become the guest user's authorized keys
 * @param network     {@code --network}: a mode or {@code auto}
 * @param published   {@code -p/--publish} rules as parsed
 * @param kernel      {@code --kernel}: the kernel image an image without a kernel boots with
 * @param command     what the VM runs; {@code user} is a cloud image's login, or whom a command runs as
 */
public record CreateRequest(
        String image,
        String name,
        Integer cpus,
        Long memoryBytes,
        Long storageBytes,
        String hypervisor,
        Map<String, String> hypervisorOptions,
        String user,
        String password,
        List<Path> sshKeyFiles,
        String network,
        List<PublishedPort> published,
        String kernel,
        CommandFlags command) {}
