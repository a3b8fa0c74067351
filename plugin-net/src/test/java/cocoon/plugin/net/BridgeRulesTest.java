package cocoon.plugin.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.InvalidInputException;
import cocoon.api.PublishedPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BridgeRulesTest {

    @Test
    void theTableIsReplacedWholeMasqueradingEgressAndDnatingEachPublishedPort() {
        NatRuleset rules = new NatRuleset(
                "cocoon",
                Subnet.parse("198.51.100.0/24"),
                List.of(
                        new NatRuleset.Forward(PublishedPort.parse("127.0.0.1:8080:80"), "198.51.100.2"),
                        new NatRuleset.Forward(PublishedPort.parse("0.0.0.0:5353:53/udp"), "198.51.100.3")));

        assertEquals("""
                table ip cocoon {}
                delete table ip cocoon
                table ip cocoon {
                    chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        ip daddr 127.0.0.1 tcp dport 8080 dnat to 198.51.100.2:80
                        fib daddr type local udp dport 5353 dnat to 198.51.100.3:53
                    }
                    chain output {
                        type nat hook output priority -100; policy accept;
                        ip daddr 127.0.0.1 tcp dport 8080 dnat to 198.51.100.2:80
                        fib daddr type local udp dport 5353 dnat to 198.51.100.3:53
                    }
                    chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        ip saddr 198.51.100.0/24 ip daddr != 198.51.100.0/24 masquerade
                        ip saddr 127.0.0.0/8 ip daddr 198.51.100.0/24 masquerade
                    }
                }
                """, rules.render());
    }

    @Test
    void withNoVmRunningOnlyTheEgressMasqueradeIsLeft() {
        String rules = new NatRuleset("cocoon", Subnet.parse("192.0.2.0/24"), List.of()).render();

        assertTrue(rules.contains("ip saddr 192.0.2.0/24 ip daddr != 192.0.2.0/24 masquerade"), rules);
        assertTrue(!rules.contains("dnat"), rules);
    }

    @Test
    void theSubnetsFirstAddressIsTheGateway() {
        Subnet subnet = Subnet.parse("10.89.0.0/16");

        assertEquals("10.89.0.1", subnet.gateway());
        assertEquals("10.89.0.2", subnet.guest(0));
        assertEquals(65533, subnet.guestCount());
    }

    @Test
    void aSubnetThatIsNotOneIsRefusedNamingTheKey() {
        for (String bad : List.of("10.89.0.0", "10.89.0.0/33", "10.89.0.300/16", "fd00::/64", "abc")) {
            InvalidInputException refused = assertThrows(InvalidInputException.class, () -> Subnet.parse(bad));
            assertTrue(refused.getMessage().startsWith("[network] subnet '" + bad + "'"), refused.getMessage());
        }
        assertEquals(
                "[network] subnet 10.89.0.1/16 has host bits set",
                assertThrows(InvalidInputException.class, () -> Subnet.parse("10.89.0.1/16"))
                        .getMessage());
    }

    @Test
    void guestsGetTheHostsUpstreamResolversNeverALoopbackStub(@TempDir Path dir) throws Exception {
        Path stub = Files.writeString(dir.resolve("stub"), "nameserver 127.0.0.53\noptions edns0\n");
        Path upstream = Files.writeString(dir.resolve("upstream"), "nameserver 192.0.2.53\nnameserver fd00::1\n");

        assertEquals(List.of("192.0.2.53"), Resolvers.upstream(List.of(stub, upstream)));
        assertEquals(List.of(), Resolvers.upstream(List.of(stub)));
        assertEquals(List.of("192.0.2.53", "203.0.113.53"), Resolvers.of("192.0.2.53, 203.0.113.53"));
        assertEquals(List.of(), Resolvers.of("none"));
    }

    @Test
    void tapsAreNamedByTheVmIdWithinLinuxsFifteenCharacters() {
        assertEquals("ck0f3c9a11bb22", BridgeNetwork.tapOf("0f3c9a11bb22cc33"));
    }
}
