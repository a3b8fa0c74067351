package cocoon.plugin.net;

import cocoon.api.ConflictException;
import cocoon.api.InvalidInputException;
import cocoon.api.PublishedPort;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The host side of published ports: which rules a VM may have, and whether their ports are free right now. */
final class HostPorts {

    private HostPorts() {}

    /**
     * Refuses a host address this host does not have and a host port given twice for one protocol (whatever the
     * address: {@code 0.0.0.0} overlaps every other).
     */
    static void check(List<PublishedPort> published, HostAddresses host) {
        Set<String> taken = new HashSet<>();
        for (PublishedPort port : published) {
            if (!host.has(port.hostIp())) {
                throw new InvalidInputException(
                        "--publish " + port + ": " + port.hostIp() + " is not an address of this host",
                        "use 127.0.0.1 (the default), 0.0.0.0 for every address, or one that ip -4 addr lists");
            }
            if (!taken.add(port.hostPort() + "/" + port.protocol().label())) {
                throw new InvalidInputException(
                        "--publish names host port " + port.hostPort() + "/"
                                + port.protocol().label() + " twice",
                        "give each published port its own host port");
            }
        }
    }

    /**
     * Binds each host port for a moment: a port held by another program is named now, in one line with the program
     * where {@code holders} can tell, rather than by the hypervisor failing to start.
     */
    static void requireFree(String vmName, List<PublishedPort> published, PortHolders holders) {
        for (PublishedPort port : published) {
            try {
                InetSocketAddress address =
                        new InetSocketAddress(InetAddress.getByName(port.hostIp()), port.hostPort());
                if (port.protocol() == PublishedPort.Protocol.TCP) {
                    try (ServerSocket socket = new ServerSocket()) {
                        socket.bind(address);
                    }
                } else {
                    new DatagramSocket(address).close();
                }
            } catch (IOException e) {
                String holder =
                        holders.of(port).map(process -> ", held by " + process).orElse(" (" + e.getMessage() + ")");
                throw new ConflictException(
                        "host port " + port.hostSide() + " published by VM " + vmName + " is in use" + holder,
                        "stop what holds it (ss -ltnup shows it), or recreate the VM with another --publish");
            }
        }
    }

    /** A loopback TCP port nothing holds right now, as the kernel hands out for port 0. */
    static int freeLoopbackPort(String vmName) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new ConflictException(
                    "no free loopback port for the SSH forward of VM " + vmName + " (" + e.getMessage() + ")",
                    "free some ports on 127.0.0.1 (ss -ltn lists them) and start it again");
        }
    }
}
