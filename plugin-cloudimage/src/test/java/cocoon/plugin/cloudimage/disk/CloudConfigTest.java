package cocoon.plugin.cloudimage.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CloudConfigTest {

    private static final VmSpec.CloudInit LOGIN = new VmSpec.CloudInit("alice", null, List.of(), List.of());

    @Test
    void userModeCardGetsTheUserNetworksFixedAddressGatewayAndDns() {
        Nic card = new Nic(
                Nic.Backend.USER,
                "52:54:00:6f:1c:2a",
                "10.0.2.15",
                24,
                "10.0.2.2",
                List.of("10.0.2.3"),
                List.of(PublishedPort.parse("8080:80")),
                "");

        assertEquals(
                Optional.of("""
                        version: 2
                        ethernets:
                          eth0:
                            match:
                              macaddress: "52:54:00:6f:1c:2a"
                            set-name: "eth0"
                            addresses:
                              - "10.0.2.15/24"
                            gateway4: "10.0.2.2"
                            nameservers:
                              addresses:
                                - "10.0.2.3"
                        """), config(new VmNetwork("user", List.of(card))).networkConfig());
    }

    @Test
    void bridgeCardGetsItsLeasedAddressTheBridgeGatewayAndTheConfiguredDns() {
        Nic card = new Nic(
                Nic.Backend.TAP,
                "52:54:00:AB:CD:EF",
                "198.51.100.7",
                24,
                "198.51.100.1",
                List.of("192.0.2.53", "192.0.2.54"),
                List.of(),
                "ck0f3c9a2b7d41");

        assertEquals(
                Optional.of("""
                        version: 2
                        ethernets:
                          eth0:
                            match:
                              macaddress: "52:54:00:ab:cd:ef"
                            set-name: "eth0"
                            addresses:
                              - "198.51.100.7/24"
                            gateway4: "198.51.100.1"
                            nameservers:
                              addresses:
                                - "192.0.2.53"
                                - "192.0.2.54"
                        """), config(new VmNetwork("bridge", List.of(card))).networkConfig());
    }

    @Test
    void aCardWithoutGatewayOrDnsGetsOnlyItsAddressAndUserDataLeavesResolvConfAlone() {
        Nic card = new Nic(Nic.Backend.TAP, "52:54:00:0a:0b:0c", "198.51.100.7", 24, "", List.of(), List.of(), "ck1");
        CloudConfig config = config(new VmNetwork("bridge", List.of(card)));

        assertEquals(Optional.of("""
                        version: 2
                        ethernets:
                          eth0:
                            match:
                              macaddress: "52:54:00:0a:0b:0c"
                            set-name: "eth0"
                            addresses:
                              - "198.51.100.7/24"
                        """), config.networkConfig());
        assertTrue(!config.userData().contains("resolv.conf"), config.userData());
    }

    @Test
    void nameServersReachResolvConfThroughWriteFilesEachOnce() {
        Nic first = new Nic(
                Nic.Backend.TAP,
                "52:54:00:00:00:01",
                "198.51.100.7",
                24,
                "198.51.100.1",
                List.of("192.0.2.53", "192.0.2.54"),
                List.of(),
                "ck1");
        Nic second = new Nic(
                Nic.Backend.TAP, "52:54:00:00:00:02", "203.0.113.7", 24, "", List.of("192.0.2.54"), List.of(), "ck2");

        assertEquals(
                """
                #cloud-config
                users:
                  - name: "alice"
                    shell: /bin/bash
                    sudo: "ALL=(ALL) NOPASSWD:ALL"
                chpasswd:
                  expire: false
                write_files:
                  - path: "/etc/resolv.conf"
                    permissions: "0644"
                    content: "nameserver 192.0.2.53\\nnameserver 192.0.2.54\\n"
                """, config(new VmNetwork("bridge", List.of(first, second))).userData());
    }

    @Test
    void aVmWithoutACardHasNoNetworkConfigSoTheImageKeepsItsOwn() {
        assertEquals(Optional.empty(), config(VmNetwork.none()).networkConfig());
        assertEquals("#cloud-config\n", new CloudConfig("cocoon-1", "web", null, VmNetwork.none()).userData());
    }

    private static CloudConfig config(VmNetwork network) {
        return new CloudConfig("cocoon-0f3c9a2b7d41aaaa", "web", LOGIN, network);
    }
}
