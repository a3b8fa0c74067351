package cocoon.runtime.cli;

import cocoon.api.PublishedPort;
import cocoon.api.VmRecord;
import cocoon.runtime.console.EscapeFilter;
import cocoon.runtime.snapshot.CloneRequest;
import java.util.List;
import picocli.CommandLine;

/** {@code cocoon clone SNAP --name NEW [--console]}: a new VM from a snapshot, started at once (and attached). */
final class CloneCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> snapshot = parameter(0, "SNAPSHOT", "snapshot name or id prefix");
    private final Value<String> name = option(String.class, "NAME", "Name of the new VM (required).", "--name");
    private final Flag noStart = flag("Create the VM but do not start it.", "--no-start");
    private final Value<List<String>> publish = repeatable(
            String.class,
            "[HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp]",
            "Forward a host port to the clone (repeatable); the source's ports stay the source's.",
            "-p",
            "--publish");

    private final Value<String> network = option(
            String.class,
            "MODE",
            "Network of a disk-only snapshot's clone (default: the source's); a memory snapshot's clone keeps the"
                    + " source's.",
            "--network");
    private final Value<Integer> cpus = option(
            Integer.class, "N", "Virtual CPUs of a disk-only snapshot's clone (default: the source's).", "--cpu");
    private final Value<Long> memory = option(
            new Converters.Size(),
            Long.class,
            "SIZE",
            "Memory of a disk-only snapshot's clone, e.g. 2G (default: the source's).",
            "--memory");

    private final Flag console = flag(
            "Attach to the clone's console once it runs, as cocoon console does (~. leaves; the clone keeps running).",
            "--console");
    private final Value<String> escapeChar = optionWithDefault(
            String.class,
            "CHAR|none",
            "~",
            "With --console: escape character, or none to disable escapes (default: ${DEFAULT-VALUE}).",
            "-e",
            "--escape-char");

    CloneCommand(CocoonCommand root) {
        super("Make a new VM from a snapshot: from a memory snapshot it resumes where the source was, without a"
                + " boot; from a disk-only one it boots from the copied disks with its own MAC and address.");
        this.root = root;
    }

    @Override
    public void run() {
        if (name.get() == null) {
            throw new CommandLine.ParameterException(spec().commandLine(), "Missing required option: '--name=NAME'");
        }
        if (console.isSet() && noStart.isSet()) {
            throw new CommandLine.ParameterException(
                    spec().commandLine(), "--console attaches to a running clone: drop --no-start or --console");
        }
        // Checked before the clone is made: a typo must not leave a VM behind.
        EscapeFilter escapes = EscapeFilter.parse(escapeChar.get());
        List<PublishedPort> ports = publish.get() == null
                ? List.of()
                : publish.get().stream().map(PublishedPort::parse).toList();
        VmRecord vm = root.app()
                .snapshotting()
                .clone(new CloneRequest(
                        snapshot.get(), name.get(), ports, network.get(), cpus.get(), memory.get(), !noStart.isSet()));
        System.out.println(vm.name() + " " + vm.id());
        if (console.isSet()) {
            System.out.flush();
            // In this process: a second command would pay another JVM start before the guest hears a key.
            ConsoleCommand.attach(root.app(), vm.name(), escapes);
        }
    }
}
