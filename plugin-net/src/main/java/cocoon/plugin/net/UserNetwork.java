package cocoon.plugin.net;

import cocoon.api.Availability;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import java.util.List;

/**
 * {@code user}: networking inside the hypervisor process, so nothing on the host changes and no privilege is
 * needed; published ports are the hypervisor's host forwards. The guest's addresses are the user-mode
 * network's fixed ones (DESIGN §5a).
 */
final class UserNetwork implements Network {

    static final String MODE = "user";
    static final String GUEST_ADDRESS = "10.0.2.15";
    static final int PREFIX = 24;
    static final String GATEWAY = "10.0.2.2";
    static final String DNS = "10.0.2.3";

    private final HostAddresses host;

    UserNetwork(HostAddresses host) {
        this.host = host;
    }

    @Override
    public String mode() {
        return MODE;
    }

    @Override
    public Availability availability(Hypervisor hypervisor) {
        return hypervisor.nicBackends().contains(Nic.Backend.USER)
                ? Availability.ok("user-mode networking inside " + hypervisor.name())
                : Availability.missing("hypervisor " + hypervisor.name() + " has no user-mode networking");
    }

    @Override
    public VmNetwork plan(Request request) {
        Availability availability = availability(request.hypervisor());
        if (!availability.usable()) {
            throw new InvalidInputException(
                    "--network user: " + availability.detail(),
                    "create the VM with --hypervisor qemu; bridge networking, the way for "
                            + request.hypervisor().name() + ", comes next");
        }
        HostPorts.check(request.published(), host);
        Nic nic = new Nic(
                Nic.Backend.USER,
                Macs.of(request.vmId()),
                GUEST_ADDRESS,
                PREFIX,
                GATEWAY,
                List.of(DNS),
                request.published(),
                "");
        return new VmNetwork(MODE, List.of(nic));
    }

    @Override
    public void beforeStart(VmRecord vm) {
        vm.network().nics().forEach(nic -> HostPorts.requireFree(vm.name(), nic.published(), PortHolders.system()));
    }
}
