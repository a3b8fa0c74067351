package cocoon.plugin.net;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.Processes;
import cocoon.api.PublishedPort;
import cocoon.api.StoreLock;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code bridge}: each VM's card is a TAP on a Linux bridge Cocoon makes, with a stable address from
 * {@code [network] subnet} leased at create; the subnet's egress is masqueraded and published ports are
 * DNATed to the guests by Cocoon's nftables table.
 * Needs root or CAP_NET_ADMIN.
 */
final class BridgeNetwork implements Network {

    static final String MODE = "bridge";
    static final String TAP_PREFIX = "ck";

    private final Processes processes;
    private final String bridge;
    private final Subnet subnet;
    private final List<String> dns;
    private final Leases leases;
    private final BridgeHost host;
    private final RunningCards running;
    private final HostAddresses hostAddresses;
    private final StoreLock hostLock;
    private final BooleanSupplier privileged;

    BridgeNetwork(
            Processes processes,
            String bridge,
            Subnet subnet,
            List<String> dns,
            Leases leases,
            BridgeHost host,
            RunningCards running,
            HostAddresses hostAddresses,
            StoreLock hostLock,
            BooleanSupplier privileged) {
        this.processes = processes;
        this.bridge = bridge;
        this.subnet = subnet;
        this.dns = List.copyOf(dns);
        this.leases = leases;
        this.host = host;
        this.running = running;
        this.hostAddresses = hostAddresses;
        this.hostLock = hostLock;
        this.privileged = privileged;
    }

    /** {@code ck} and 12 hex digits of the VM id: unique enough, and within Linux's 15 characters. */
    static String tapOf(String vmId) {
        return TAP_PREFIX + vmId.substring(0, Math.min(12, vmId.length()));
    }

    @Override
    public String mode() {
        return MODE;
    }

    @Override
    public Availability availability(Hypervisor hypervisor) {
        if (!hypervisor.nicBackends().contains(Nic.Backend.TAP)) {
            return Availability.missing("hypervisor " + hypervisor.name() + " cannot use a TAP yet");
        }
        return check();
    }

    @Override
    public Availability check() {
        List<String> missing = new ArrayList<>();
        if (!privileged.getAsBoolean()) {
            missing.add("making network devices needs root or CAP_NET_ADMIN");
        }
        for (String tool : List.of("ip", "nft")) {
            if (processes.which(tool).isEmpty()) {
                missing.add("no " + tool + " (install " + (tool.equals("ip") ? "iproute2" : "nftables") + ")");
            }
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            missing.add("no /dev/net/tun (load the tun module)");
        }
        if (!missing.isEmpty()) {
            return Availability.missing(String.join("; ", missing));
        }
        String detail = "bridge " + bridge + " on " + subnet + ", gateway " + subnet.gateway() + "; "
                + (Files.isDirectory(Path.of("/sys/module/bridge"))
                        ? "bridge module loaded"
                        : "bridge module loaded on first use")
                + "; " + (forwarding() ? "ip_forward on" : "ip_forward off (Cocoon turns it on at the first start)");
        if (isOn(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"))) {
            // Typical of Docker hosts: bridged frames then also pass the host's iptables FORWARD chain.
            detail += "; br_netfilter is loaded: a FORWARD policy of drop (Docker, ufw) also drops VM traffic";
        }
        return Availability.ok(detail);
    }

    @Override
    public VmNetwork plan(Request request) {
        refuseUnusable(request);
        return planned(request, leases.peek());
    }

    @Override
    public VmNetwork reserve(Request request) {
        refuseUnusable(request);
        return planned(request, leases.take(request.vmId()));
    }

    private VmNetwork planned(Request request, String address) {
        Nic nic = new Nic(
                Nic.Backend.TAP,
                Macs.of(request.vmId()),
                address,
                subnet.prefix(),
                subnet.gateway(),
                dns,
                request.published(),
                tapOf(request.vmId()));
        return new VmNetwork(MODE, List.of(nic));
    }

    private void refuseUnusable(Request request) {
        Availability availability = availability(request.hypervisor());
        if (!availability.usable()) {
            throw new InvalidInputException(
                    "--network bridge: " + availability.detail(), "run as root, or create the VM with --network user");
        }
        HostPorts.check(request.published(), hostAddresses);
    }

    /**
     * Under the host lock, so two starts never write the table from different views: the ports checked against
     * other running VMs and the host, the bridge, forwarding, this VM among the running ones, the table, the TAP.
     * A failure on the way takes this VM's part out again.
     */
    @Override
    @SuppressWarnings("try") // held for the block; the body never names it
    public VmNetwork beforeStart(VmRecord vm) {
        try (var held = hostLock.exclusive()) {
            List<PublishedPort> published = new ArrayList<>();
            vm.network().nics().forEach(nic -> published.addAll(nic.published()));
            refuseTaken(vm, published);
            HostPorts.requireFree(vm.name(), published, PortHolders.system());
            try {
                host.ensureBridge();
                host.enableForwarding();
                running.add(vm.id(), vm.name(), vm.network().nics());
                host.applyRules(rules());
                for (Nic nic : vm.network().nics()) {
                    host.addTap(nic.device());
                }
            } catch (RuntimeException e) {
                try {
                    takeDown(vm);
                } catch (RuntimeException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw e;
            }
        }
        return vm.network();
    }

    @Override
    @SuppressWarnings("try") // held for the block; the body never names it
    public void afterStop(VmRecord vm) {
        try (var held = hostLock.exclusive()) {
            takeDown(vm);
        }
    }

    private void takeDown(VmRecord vm) {
        for (Nic nic : vm.network().nics()) {
            host.removeTap(nic.device());
        }
        running.remove(vm.id());
        host.applyRules(rules());
    }

    /** DNAT binds no socket, so a port another running VM publishes is found here, not by the probe. */
    private void refuseTaken(VmRecord vm, List<PublishedPort> published) {
        for (RunningCards.Owned other : running.forwards()) {
            if (other.vmId().equals(vm.id())) {
                continue;
            }
            PublishedPort theirs = other.forward().port();
            for (PublishedPort port : published) {
                boolean sameAddress = port.hostIp().equals(theirs.hostIp())
                        || port.hostIp().equals("0.0.0.0")
                        || theirs.hostIp().equals("0.0.0.0");
                if (sameAddress && port.hostPort() == theirs.hostPort() && port.protocol() == theirs.protocol()) {
                    throw new ConflictException(
                            "host port " + port.hostSide() + " published by VM " + vm.name()
                                    + " is published by running VM " + other.vmName(),
                            "stop " + other.vmName() + " (if its hypervisor died, stop or gc frees the port), or"
                                    + " recreate one of them with another --publish");
                }
            }
        }
    }

    @Override
    public void release(VmRecord vm) {
        leases.release(vm.id());
    }

    @Override
    public List<Path> garbage(Set<String> vmIds) {
        return leases.orphans(vmIds);
    }

    @Override
    public List<Path> garbageOf(Set<String> goneIds) {
        return leases.heldBy(goneIds);
    }

    /**
     * Under the host lock: every TAP of Cocoon's and every record of published ports whose VM is not among
     * {@code runningIds} goes, and the table is rewritten from the running VMs' ports when the kernel holds a DNAT
     * rule none of them has (a kill between {@code nft -f} and the TAP, or a hypervisor that died).
     */
    @Override
    @SuppressWarnings("try") // held for the block; the body never names it
    public List<Leftover> sweep(Set<String> runningIds, boolean dryRun) {
        if (!running.used() || !privileged.getAsBoolean()) {
            return List.of();
        }
        try (var held = hostLock.exclusive()) {
            List<Leftover> leftovers = new ArrayList<>();
            Set<String> runningTaps =
                    runningIds.stream().map(BridgeNetwork::tapOf).collect(Collectors.toSet());
            for (String tap : host.taps()) {
                if (!runningTaps.contains(tap)) {
                    leftovers.add(new Leftover("TAP " + tap, "network card of a VM that no longer runs"));
                    if (!dryRun) {
                        host.removeTap(tap);
                    }
                }
            }
            for (String vmId : running.vmIds()) {
                if (!runningIds.contains(vmId)) {
                    leftovers.add(
                            new Leftover(running.file(vmId).toString(), "published ports of a VM that no longer runs"));
                    if (!dryRun) {
                        running.remove(vmId);
                    }
                }
            }
            NatRuleset wanted = rules(runningIds::contains);
            List<String> stale = host.dnatRules().stream()
                    .filter(rule -> !wanted.dnatRules().contains(rule))
                    .toList();
            for (String rule : stale) {
                leftovers.add(new Leftover(
                        "nftables rule '" + rule + "' of table ip " + NatRuleset.TABLE,
                        "forwards a port to a VM that no longer runs"));
            }
            // Only ever to take rules out: a gc run in another network namespace than the VMs' finds no table
            // there, and must not make one.
            if (!dryRun && !stale.isEmpty()) {
                host.applyRules(wanted);
            }
            return leftovers;
        }
    }

    private NatRuleset rules() {
        return rules(vmId -> true);
    }

    /** Cocoon's table with the published ports of the VMs {@code keep} accepts among those recorded as running. */
    private NatRuleset rules(Predicate<String> keep) {
        return new NatRuleset(
                NatRuleset.TABLE,
                subnet,
                running.forwards().stream()
                        .filter(owned -> keep.test(owned.vmId()))
                        .map(RunningCards.Owned::forward)
                        .toList());
    }

    private static boolean forwarding() {
        return isOn(Path.of("/proc/sys/net/ipv4/ip_forward"));
    }

    private static boolean isOn(Path setting) {
        try {
            return Files.readString(setting).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }
}
