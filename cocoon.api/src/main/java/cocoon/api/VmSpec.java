package cocoon.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the user asked for when creating a VM. Sizes are bytes.
 *
 * @param hypervisor         the resolved hypervisor name ({@code chv}, {@code qemu})
 * @param hypervisorOptions  options only that hypervisor understands, as it validated them (QEMU's {@code accel})
 * @param command            what the VM runs under Cocoon's small PID 1 instead of the image's {@code /sbin/init};
 *                           null for the image's init (and in records older than it)
 */
public record VmSpec(
        String name,
        int cpus,
        long memoryBytes,
        long storageBytes,
        String hypervisor,
        Map<String, String> hypervisorOptions,
        CloudInit cloudInit,
        Command command) {

    public VmSpec {
        hypervisorOptions = hypervisorOptions == null ? Map.of() : Map.copyOf(hypervisorOptions);
    }

    /** A VM that runs its image's init. */
    public VmSpec(
            String name,
            int cpus,
            long memoryBytes,
            long storageBytes,
            String hypervisor,
            Map<String, String> hypervisorOptions,
            CloudInit cloudInit) {
        this(name, cpus, memoryBytes, storageBytes, hypervisor, hypervisorOptions, cloudInit, null);
    }

    /**
     * The process a VM runs as a container runs it, resolved at create from the image's config and the user's
     * flags as {@code docker run} resolves them.
     *
     * @param argv        the program and its arguments, never empty
     * @param env         {@code KEY=VALUE} words, each key once, {@code PATH} always among them
     * @param workingDir  absolute
     * @param user        {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}, looked up in the image's
     *                    {@code /etc/passwd} and {@code /etc/group} at boot; null for root
     */
    public record Command(List<String> argv, List<String> env, String workingDir, String user) {
        public Command {
            argv = List.copyOf(argv);
            env = List.copyOf(env);
        }
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
