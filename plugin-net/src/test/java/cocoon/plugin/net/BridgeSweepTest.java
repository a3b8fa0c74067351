package cocoon.plugin.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.Processes;
import cocoon.api.PublishedPort;
import cocoon.api.StoreLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc's sweep of the bridge mode, against a host whose {@code ip} and {@code nft} answer as recorded here. */
class BridgeSweepTest {

    private static final Subnet DOC_NET = Subnet.parse("198.51.100.0/24");
    private static final String ALIVE = "aaaaaaaaaaaa0001";
    private static final String DEAD = "dddddddddddd0002";

    @TempDir
    Path dir;

    /** The host: its devices as {@code ip -o link show} lists them, its table's DNAT rules, and every command run. */
    private final List<String> devices = new ArrayList<>(List.of(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN",
            "2: cocoon0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP",
            "3: ckaaaaaaaaaaaa: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master cocoon0 state UP",
            "4: ckdddddddddddd: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 master cocoon0 state DOWN",
            "5: ckother@if2: <BROADCAST,MULTICAST> mtu 1500 state DOWN"));

    private final List<String> rules = new ArrayList<>(List.of(
            "ip daddr 127.0.0.1 tcp dport 8080 dnat to 198.51.100.2:80",
            "ip daddr 127.0.0.1 tcp dport 8081 dnat to 198.51.100.3:80"));
    private final List<String> ran = new ArrayList<>();

    @Test
    void theTapPortsAndRulesOfAVmThatNoLongerRunsGoAndThoseOfARunningVmStay() throws Exception {
        BridgeNetwork network = network();
        RunningCards cards = new RunningCards(dir.resolve("running"));
        cards.add(ALIVE, "alive", List.of(nic("198.51.100.2", "8080:80")));
        cards.add(DEAD, "dead", List.of(nic("198.51.100.3", "8081:80")));

        List<Network.Leftover> wouldGo = network.sweep(Set.of(ALIVE), true);

        assertEquals(
                List.of(
                        "TAP ckdddddddddddd",
                        cards.file(DEAD).toString(),
                        "nftables rule 'ip daddr 127.0.0.1 tcp dport 8081 dnat to 198.51.100.3:80' of table ip cocoon"),
                wouldGo.stream().map(Network.Leftover::what).toList());
        assertEquals(
                List.of(),
                ran.stream()
                        .filter(c -> !c.startsWith("ip -o") && !c.startsWith("nft list"))
                        .toList());

        assertEquals(wouldGo, network.sweep(Set.of(ALIVE), false));

        assertTrue(ran.contains("ip link del dev ckdddddddddddd"), ran.toString());
        assertEquals(Set.of(ALIVE), cards.vmIds());
        String table = Files.readString(dir.resolve("cocoon.nft"));
        assertTrue(table.contains("tcp dport 8080 dnat to 198.51.100.2:80"), table);
        assertTrue(!table.contains("8081"), table);
        assertTrue(ran.contains("nft -f " + dir.resolve("cocoon.nft")), ran.toString());
    }

    @Test
    void withNothingLeftOverTheTableIsNotRewrittenNotEvenToAddARuleTheKernelLacks() throws Exception {
        devices.removeIf(line -> line.contains("ckdddddddddddd"));
        rules.clear();
        new RunningCards(dir.resolve("running")).add(ALIVE, "alive", List.of(nic("198.51.100.2", "8080:80")));

        assertEquals(List.of(), network().sweep(Set.of(ALIVE), false));
        assertEquals(List.of("ip -o link show", "nft list table ip cocoon"), ran);
    }

    @Test
    void beforeAnyBridgeVmStartedThereIsNothingToSweepAndNothingRuns() {
        assertEquals(List.of(), network().sweep(Set.of(), false));
        assertEquals(List.of(), ran);
    }

    private static Nic nic(String address, String published) {
        return new Nic(
                Nic.Backend.TAP,
                "52:54:00:00:00:01",
                address,
                24,
                "198.51.100.1",
                List.of(),
                List.of(PublishedPort.parse(published)),
                "");
    }

    private BridgeNetwork network() {
        Processes host = new Processes() {
            @Override
            public Result run(List<String> argv, Duration timeout) {
                return runAllowingFailure(argv, timeout);
            }

            @Override
            public Result runAllowingFailure(List<String> argv, Duration timeout) {
                String command = String.join(" ", argv);
                ran.add(command);
                if (command.equals("ip -o link show")) {
                    return new Result(0, String.join("\n", devices) + "\n", "");
                }
                if (command.equals("nft list table ip cocoon")) {
                    return new Result(
                            0,
                            "table ip cocoon {\n\tchain prerouting {\n\t\t" + String.join("\n\t\t", rules)
                                    + "\n\t}\n}\n",
                            "");
                }
                return new Result(0, "", "");
            }

            @Override
            public Optional<Path> which(String program) {
                return Optional.of(Path.of("/usr/sbin", program));
            }
        };
        StoreLock lock = new StoreLock() {
            @Override
            public Held exclusive() {
                return () -> {};
            }

            @Override
            public Held shared() {
                return () -> {};
            }
        };
        return new BridgeNetwork(
                host,
                "cocoon0",
                DOC_NET,
                List.of(),
                new Leases(dir.resolve("leases"), DOC_NET),
                new BridgeHost(host, "cocoon0", DOC_NET, dir.resolve("ipv4"), dir.resolve("cocoon.nft")),
                new RunningCards(dir.resolve("running")),
                new HostAddresses(Set::of),
                lock,
                () -> true);
    }
}
