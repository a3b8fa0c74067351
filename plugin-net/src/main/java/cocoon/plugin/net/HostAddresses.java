package cocoon.plugin.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The IPv4 addresses of this host's interfaces, where a published port may be bound. */
final class HostAddresses {

    private final Supplier<Set<String>> addresses;

    HostAddresses(Supplier<Set<String>> addresses) {
        this.addresses = addresses;
    }

    static HostAddresses system() {
        return new HostAddresses(HostAddresses::interfaceAddresses);
    }

    /** {@code 0.0.0.0} (every address) and the whole of {@code 127.0.0.0/8} always count: loopback routes it all. */
    boolean has(String ipv4) {
        return ipv4.equals("0.0.0.0")
                || ipv4.startsWith("127.")
                || addresses.get().contains(ipv4);
    }

    private static Set<String> interfaceAddresses() {
        try {
            return NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(Inet4Address.class::isInstance)
                    .map(InetAddress::getHostAddress)
                    .collect(Collectors.toSet());
        } catch (SocketException e) {
            return Set.of();
        }
    }
}
