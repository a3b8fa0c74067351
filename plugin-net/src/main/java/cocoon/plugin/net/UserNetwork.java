package cocoon.plugin.net;

import cocoon.api.Availability;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import java.util.ArrayList;
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
    static final int SSH_PORT = 22;

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
            boolean bridges = request.hypervisor().nicBackends().contains(Nic.Backend.TAP);
            throw new InvalidInputException(
                    "--network user: " + availability.detail(),
                    (bridges ? "use --network bridge (as root or with CAP_NET_ADMIN), or " : "")
                            + "create the VM with --hypervisor qemu");
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

    /**
     * The published ports are free, and the first card forwards a loopback port picked now to the guest's SSH
     * port, for {@code cocoon ssh}: picked at each start, as a port fixed at create may be taken by then. A card
     * whose user publishes the SSH port already keeps just that.
     */
    @Override
    public VmNetwork beforeStart(VmRecord vm) {
        List<Nic> nics = vm.network().nics();
        nics.forEach(nic -> HostPorts.requireFree(vm.name(), nic.published(), PortHolders.system()));
        if (nics.isEmpty() || publishesSsh(nics.getFirst())) {
            return vm.network();
        }
        List<Nic> running = new ArrayList<>(nics);
        running.set(0, withSshForward(nics.getFirst(), HostPorts.freeLoopbackPort(vm.name())));
        return new VmNetwork(vm.network().mode(), running);
    }

    private static boolean publishesSsh(Nic nic) {
        return nic.published().stream()
                .anyMatch(port -> port.guestPort() == SSH_PORT && port.protocol() == PublishedPort.Protocol.TCP);
    }

    private static Nic withSshForward(Nic nic, int hostPort) {
        List<PublishedPort> published = new ArrayList<>(nic.published());
        published.add(new PublishedPort(PublishedPort.DEFAULT_HOST_IP, hostPort, SSH_PORT, PublishedPort.Protocol.TCP));
        return new Nic(
                nic.backend(),
                nic.mac(),
                nic.address(),
                nic.prefix(),
                nic.gateway(),
                nic.dns(),
                published,
                nic.device());
    }
}
