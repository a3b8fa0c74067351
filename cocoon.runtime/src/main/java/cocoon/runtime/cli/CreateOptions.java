package cocoon.runtime.cli;

import cocoon.runtime.vm.CreateRequest;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/** The flags {@code create} and {@code run} share. */
final class CreateOptions {

    @Parameters(index = "0", paramLabel = "IMAGE", description = "a pulled image: name or digest prefix")
    String image;

    @Option(names = "--name", paramLabel = "NAME", description = "VM name (default: cocoon-<image>, made unique).")
    String name;

    @Option(names = "--cpu", paramLabel = "N", description = "Virtual CPUs (default: [defaults] cpu, 2).")
    Integer cpus;

    @Option(names = "--memory", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Memory, e.g. 512M, 2G (default: [defaults] memory, 1G).")
    Long memory;

    @Option(names = "--storage", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Writable disk size, e.g. 10G (default: [defaults] storage, 10G).")
    Long storage;

    @Option(names = "--hypervisor", paramLabel = "auto|chv|qemu",
            description = "Hypervisor (default: [defaults] hypervisor, auto: Cloud Hypervisor when usable, else QEMU).")
    String hypervisor;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", description = "QEMU acceleration (default: auto).")
    String accel;

    @Option(names = "--user", paramLabel = "NAME", description = "Cloud images: login created by cloud-init (default: cocoon).")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "Cloud images: that login's password (default: cocoon).")
    String password;

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "Cloud images: public key file to authorize (repeatable).")
    List<Path> sshKeys;

    CreateRequest request() {
        return new CreateRequest(image, name, cpus, memory, storage, hypervisor, accel, user, password, sshKeys);
    }
}
