package cocoon.plugin.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.api.VmmProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UserNetworkTest {

    private static final Hypervisor QEMU = new StubHypervisor("qemu", Set.of(Nic.Backend.USER));
    private static final Hypervisor CHV = new StubHypervisor("chv", Set.of(Nic.Backend.TAP));
    private static final UserNetwork NETWORK = new UserNetwork(new HostAddresses(() -> Set.of("192.0.2.10")));

    @Test
    void aQemuVmGetsTheUserModeAddressesAndAMacStableForItsId() {
        VmNetwork planned = NETWORK.plan(request(QEMU, "8080:80"));

        Nic nic = planned.nics().getFirst();
        assertEquals("user", planned.mode());
        assertEquals("52:54:00:0f:3c:9a", nic.mac());
        assertEquals("cocoon.net=52:54:00:0f:3c:9a,10.0.2.15/24,10.0.2.2,10.0.2.3", nic.kernelWord());
        assertEquals(
                "cocoon.hostname=web cocoon.net=52:54:00:0f:3c:9a,10.0.2.15/24,10.0.2.2,10.0.2.3",
                planned.kernelWords("web"));
        assertEquals(List.of(PublishedPort.parse("8080:80")), nic.published());
        assertEquals(planned, NETWORK.plan(request(QEMU, "8080:80")));
    }

    @Test
    void cloudHypervisorIsRefusedNamingQemuAndBridgeNetworking() {
        InvalidInputException refused = assertThrows(InvalidInputException.class, () -> NETWORK.plan(request(CHV)));

        assertTrue(refused.getMessage().contains("chv has no user-mode networking"), refused.getMessage());
        assertEquals(
                "use --network bridge (as root or with CAP_NET_ADMIN), or create the VM with --hypervisor qemu",
                refused.hint());
        assertEquals(false, NETWORK.availability(CHV).usable());
    }

    @Test
    void aHostAddressThisHostDoesNotHaveIsRefused() {
        InvalidInputException refused =
                assertThrows(InvalidInputException.class, () -> NETWORK.plan(request(QEMU, "203.0.113.9:8080:80")));

        assertTrue(refused.getMessage().contains("203.0.113.9 is not an address of this host"), refused.getMessage());
    }

    @Test
    void anAddressOfThisHostLoopbackAndEveryAddressAreAccepted() {
        NETWORK.plan(request(QEMU, "192.0.2.10:8080:80", "127.0.0.2:8081:81", "0.0.0.0:8082:82"));
    }

    @Test
    void oneHostPortTwiceInOneVmIsRefusedEvenOnDifferentAddresses() {
        InvalidInputException refused = assertThrows(
                InvalidInputException.class, () -> NETWORK.plan(request(QEMU, "8080:80", "0.0.0.0:8080:81")));

        assertTrue(refused.getMessage().contains("host port 8080/tcp twice"), refused.getMessage());
        NETWORK.plan(request(QEMU, "8080:80", "8080:80/udp"));
    }

    @Test
    void noneRefusesPublishedPorts() {
        InvalidInputException refused =
                assertThrows(InvalidInputException.class, () -> new NoNetwork().plan(request(QEMU, "8080:80")));

        assertTrue(refused.getMessage().contains("--network none"), refused.getMessage());
        assertEquals(VmNetwork.none(), new NoNetwork().plan(request(QEMU)));
    }

    @Test
    void startIsRefusedNamingTheHostPortAnotherProgramHolds() throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = held.getLocalPort();
            VmRecord vm = record(NETWORK.plan(request(QEMU, port + ":80")));

            ConflictException refused = assertThrows(ConflictException.class, () -> NETWORK.beforeStart(vm));

            assertEquals(
                    "host port 127.0.0.1:" + port + "/tcp published by VM web is in use, held by java (pid "
                            + ProcessHandle.current().pid() + ")",
                    refused.getMessage());
        }
    }

    @Test
    void startGoesAheadWhenThePublishedPortsAreFree() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        NETWORK.beforeStart(record(NETWORK.plan(request(QEMU, port + ":80", port + ":80/udp"))));
    }

    @Test
    void startForwardsAFreeLoopbackPortToTheGuestsSshPortOnTopOfThePublishedOnes() {
        VmRecord vm = record(NETWORK.plan(request(QEMU, "127.0.0.1:18080:80")));

        List<PublishedPort> running = NETWORK.beforeStart(vm).nics().getFirst().published();

        assertEquals(2, running.size(), running.toString());
        assertEquals(PublishedPort.parse("127.0.0.1:18080:80"), running.getFirst());
        PublishedPort ssh = running.get(1);
        assertEquals("127.0.0.1", ssh.hostIp());
        assertEquals(22, ssh.guestPort());
        assertEquals(PublishedPort.Protocol.TCP, ssh.protocol());
        assertTrue(ssh.hostPort() > 0 && ssh.hostPort() != 18080, ssh.toString());
        assertEquals(
                List.of(PublishedPort.parse("127.0.0.1:18080:80")),
                vm.network().nics().getFirst().published(),
                "the record keeps only what the user published");
    }

    @Test
    void aVmThatPublishesItsSshPortItselfGetsNoSecondForward() {
        VmRecord vm = record(NETWORK.plan(request(QEMU, "127.0.0.1:12222:22")));

        assertEquals(vm.network(), NETWORK.beforeStart(vm));
    }

    private static Network.Request request(Hypervisor hypervisor, String... published) {
        return new Network.Request(
                "0f3c9a2b7d41aaaa",
                "web",
                hypervisor,
                Arrays.stream(published).map(PublishedPort::parse).toList());
    }

    private static VmRecord record(VmNetwork network) {
        return new VmRecord(
                "0f3c9a2b7d41aaaa",
                "web",
                VmState.CREATED,
                null,
                null,
                null,
                List.of(),
                Instant.EPOCH,
                null,
                0,
                null,
                network);
    }

    /** Only its name and the cards it can render matter to a network. */
    private record StubHypervisor(String name, Set<Nic.Backend> nicBackends) implements Hypervisor {
        @Override
        public Availability check() {
            return Availability.ok("stub");
        }

        @Override
        public Map<String, String> options(Map<String, String> requested) {
            return requested;
        }

        @Override
        public List<String> command(VmRecord vm, VmPaths paths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long launch(VmRecord vm, VmPaths paths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public VmmProcess process(VmPaths paths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Path console(VmRecord vm, VmPaths paths) {
            throw new UnsupportedOperationException();
        }
    }
}
