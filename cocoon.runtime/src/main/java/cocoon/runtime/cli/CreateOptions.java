package cocoon.runtime.cli;

import cocoon.api.PublishedPort;
import cocoon.runtime.cli.CliCommand.Flag;
import cocoon.runtime.cli.CliCommand.Value;
import cocoon.runtime.vm.CommandFlags;
import cocoon.runtime.vm.CreateRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The flags {@code create} and {@code run} share, declared on the command that uses them. */
final class CreateOptions {

    private final Value<String> image;
    private final Value<String> name;
    private final Value<Integer> cpus;
    private final Value<Long> memory;
    private final Value<Long> storage;
    private final Value<String> hypervisor;
    private final Value<String> accel;
    private final Value<String> user;
    private final Value<String> password;
    private final Value<List<Path>> sshKeys;
    private final Value<String> network;
    private final Value<List<String>> publish;
    private final Value<String> kernel;
    private final Value<List<String>> env;
    private final Value<String> entrypoint;
    private final Value<String> workdir;
    private final Flag init;
    private final Value<List<String>> args;

    CreateOptions(CliCommand command) {
        image = command.parameter(0, "IMAGE", "a pulled image: name or digest prefix");
        name = command.option(String.class, "NAME", "VM name (default: cocoon-<image>, made unique).", "--name");
        cpus = command.option(Integer.class, "N", "Virtual CPUs (default: [defaults] cpu, 2).", "--cpu");
        memory = command.option(
                new Converters.Size(),
                Long.class,
                "SIZE",
                "Memory, e.g. 512M, 2G (default: [defaults] memory, 1G).",
                "--memory");
        storage = command.option(
                new Converters.Size(),
                Long.class,
                "SIZE",
                "Writable disk size, e.g. 10G (default: [defaults] storage, 10G).",
                "--storage");
        hypervisor = command.option(
                String.class,
                "auto|chv|qemu",
                "Hypervisor (default: [defaults] hypervisor, auto: Cloud Hypervisor when usable, else QEMU).",
                "--hypervisor");
        accel = command.option(
                String.class, "auto|kvm|tcg", "QEMU acceleration (default: [qemu] accel, auto).", "--accel");
        user = command.option(
                String.class,
                "USER",
                "Whom the command runs as: uid, uid:gid, name or name:group of the image's /etc/passwd (default: the"
                        + " image's User, else root). Cloud images: the login cloud-init creates (default: cocoon).",
                "-u",
                "--user");
        password = command.option(
                String.class, "PASSWORD", "Cloud images: that login's password (default: cocoon).", "--password");
        sshKeys = command.repeatable(
                Path.class, "FILE", "Cloud images: public key file to authorize (repeatable).", "--ssh-key");
        network = command.option(
                String.class,
                "auto|bridge|user|none",
                "Network (default: [defaults] network; auto: bridge as root or with CAP_NET_ADMIN, else user-mode"
                        + " networking where the hypervisor has it, else none).",
                "--network");
        publish = command.repeatable(
                String.class,
                "[HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]",
                "Forward a host port to the VM (repeatable); the host address defaults to 127.0.0.1. IPv4 only.",
                "-p",
                "--publish");
        kernel = command.option(
                String.class,
                "REF",
                "Kernel image an image without a kernel of its own boots with, its layers stacked below the image's"
                        + " (default: [defaults] kernel).",
                "--kernel");
        env = command.repeatable(
                String.class,
                "KEY=VALUE",
                "Set a variable for the command (repeatable); KEY alone passes cocoon's own value of it.",
                "-e",
                "--env");
        entrypoint = command.option(
                String.class,
                "PROGRAM",
                "Run this program instead of the image's Entrypoint, with the words after the image (not its Cmd).",
                "--entrypoint");
        workdir = command.option(
                String.class,
                "DIR",
                "The command's working directory (default: the image's WorkingDir, else /).",
                "-w",
                "--workdir");
        init = command.flag("Run the image's /sbin/init, even where the image's command would run.", "--init");
        args = command.remaining(
                1,
                "COMMAND",
                "Run this command (and its arguments) instead of the image's Cmd, under Cocoon's small PID 1; put it"
                        + " after -- when a word starts with -.");
    }

    CreateRequest request() {
        return new CreateRequest(
                image.get(),
                name.get(),
                cpus.get(),
                memory.get(),
                storage.get(),
                hypervisor.get(),
                accel.get() == null ? Map.of() : Map.of("accel", accel.get()),
                user.get(),
                password.get(),
                sshKeys.get(),
                network.get(),
                publish.get() == null
                        ? List.of()
                        : publish.get().stream().map(PublishedPort::parse).toList(),
                kernel.get(),
                new CommandFlags(env.get(), entrypoint.get(), workdir.get(), args.get(), init.isSet()));
    }
}
