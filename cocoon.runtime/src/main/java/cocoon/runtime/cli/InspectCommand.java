package cocoon.runtime.cli;

import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.runtime.ssh.SshEndpoint;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** {@code cocoon inspect VM}: the full record, live state included, as JSON. */
final class InspectCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<String> format =
            optionWithDefault(String.class, "json", "json", "Output format; only json.", "--format");

    InspectCommand(CocoonCommand root) {
        super("Show a VM's record, with its live state, as JSON.");
        this.root = root;
    }

    @Override
    public void run() {
        if (!"json".equals(format.get())) {
            throw new InvalidInputException(
                    "--format " + format.get() + " is not supported by inspect", "use --format json");
        }
        App app = root.app();
        VmRecord record = app.lifecycle().live(app.vms().resolve(vm.get()));
        VmPaths paths = app.lifecycle().paths(record);
        Optional<SshEndpoint> ssh =
                record.state() == VmState.RUNNING ? SshEndpoint.recorded(paths.runDir()) : Optional.empty();
        OptionalInt exit = app.lifecycle().exitStatus(record);
        JsonOutput.print(
                new Inspection(record, NetworkView.of(record, ssh), paths, exit.isPresent() ? exit.getAsInt() : null));
    }

    /**
     * The record plus its network at a glance, where its files live, and, once a VM whose command exited has
     * stopped, that command's exit status ({@code vm.spec.command} says what runs).
     */
    record Inspection(VmRecord vm, NetworkView network, VmPaths paths, Integer exitStatus) {}

    /**
     * The VM's network as a user looks for it: {@code address} is {@code 10.0.2.15/24}, ports as {@code -p} takes
     * them, {@code tap} the host's device of a bridge card, {@code ssh} where {@code cocoon ssh} connects while the
     * VM runs ({@code 127.0.0.1:40123}: in user mode a loopback port picked at start).
     */
    record NetworkView(
            String mode,
            String mac,
            String address,
            String gateway,
            List<String> dns,
            List<String> published,
            String tap,
            String ssh) {

        static NetworkView of(VmRecord vm, Optional<SshEndpoint> ssh) {
            List<Nic> nics = vm.network().nics();
            if (nics.isEmpty()) {
                return new NetworkView(vm.network().mode(), null, null, null, List.of(), List.of(), null, null);
            }
            Nic nic = nics.getFirst();
            return new NetworkView(
                    vm.network().mode(),
                    nic.mac(),
                    nic.cidr(),
                    nic.gateway(),
                    nic.dns(),
                    nic.published().stream().map(PublishedPort::toString).toList(),
                    nic.device().isEmpty() ? null : nic.device(),
                    ssh.map(SshEndpoint::toString).orElse(null));
        }
    }
}
