package cocoon.api;

import java.util.List;

/**
 * One network card of a VM as its network planned it at {@code create} and the VM record keeps it; the
 * hypervisor renders it on its command line.
 *
 * @param backend   how the hypervisor connects the card to the host
 * @param mac       lower-case, colon-separated; stable for the life of the VM
 * @param address   the guest's IPv4 address, e.g. {@code 10.0.2.15}
 * @param prefix    the length of its network's prefix, e.g. {@code 24}
 * @param gateway   the guest's default route, or empty for none
 * @param dns       the name servers the guest is told to use
 * @param published host ports forwarded to the guest
 * @param device    the host's network device for the card (a TAP's name), or empty when the hypervisor has none
 */
public record Nic(
        Backend backend,
        String mac,
        String address,
        int prefix,
        String gateway,
        List<String> dns,
        List<PublishedPort> published,
        String device) {

    /** How a hypervisor attaches a card; each driver says which it can render ({@link Hypervisor#nicBackends()}). */
    public enum Backend {
        /** User-mode networking inside the hypervisor process (QEMU's {@code user} netdev): rootless, published ports are its host forwards. */
        USER,
        /** A TAP device on the host, named by {@link #device()}, which the network creates before the start. */
        TAP
    }

    public Nic {
        gateway = gateway == null ? "" : gateway;
        dns = List.copyOf(dns);
        published = List.copyOf(published);
        device = device == null ? "" : device;
    }

    /** {@code 10.0.2.15/24}. */
    public String cidr() {
        return address + "/" + prefix;
    }

    /** The guest contract's word for this card on a kernel command line (DESIGN §5a): {@code cocoon.net=MAC,ADDR/PREFIX,GW,DNS+DNS}. */
    public String kernelWord() {
        return "cocoon.net=" + mac + "," + cidr() + "," + gateway + "," + String.join("+", dns);
    }
}
