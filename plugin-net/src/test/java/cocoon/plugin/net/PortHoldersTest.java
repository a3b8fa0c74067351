package cocoon.plugin.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.api.PublishedPort;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PortHoldersTest {

    private static final String THIS_JVM =
            "java (pid " + ProcessHandle.current().pid() + ")";

    @Test
    void aListeningTcpPortIsHeldByTheProcessWithItsSocket() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PublishedPort port = PublishedPort.parse(held.getLocalPort() + ":80");

            assertEquals(Optional.of(THIS_JVM), PortHolders.system().of(port));
        }
    }

    @Test
    void aBoundUdpPortIsHeldByTheProcessWithItsSocket() throws Exception {
        try (DatagramSocket held = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            PublishedPort port = PublishedPort.parse(held.getLocalPort() + ":53/udp");

            assertEquals(Optional.of(THIS_JVM), PortHolders.system().of(port));
        }
    }

    @Test
    void aPortNobodyHoldsHasNoHolder() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }

        assertEquals(Optional.empty(), PortHolders.system().of(PublishedPort.parse(free + ":80")));
    }
}
