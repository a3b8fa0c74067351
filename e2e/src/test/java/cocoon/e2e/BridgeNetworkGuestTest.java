package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --network bridge} end to end with two demo guests under QEMU (TCG): each gets a leased address on a
 * bridge Cocoon makes, answers HTTP from the host side at that address and through a port published on
 * 127.0.0.1, and one guest reaches the other. Cocoon,
 * QEMU and every client run inside a network namespace the test creates and deletes (DESIGN §6), on a
 * documentation subnet: the bridge, the TAPs and the nftables table exist only there and go with it. The
 * "outside world" is a second namespace joined by a veth pair, whose HTTP server the guests reach only through
 * Cocoon's masquerade (it has no route back to the bridge's subnet).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BridgeNetworkGuestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS =
            "cocoon-e2e-bridge-" + ProcessHandle.current().pid();
    private static final String FIRST = "web1";
    private static final String SECOND = "web2";
    private static final String FIRST_ADDRESS = "198.51.100.2";
    private static final String SECOND_ADDRESS = "198.51.100.3";
    private static final String OUTSIDE =
            "cocoon-e2e-out-" + ProcessHandle.current().pid();
    private static final String OUTSIDE_ADDRESS = "203.0.113.1";
    private static final String OUTSIDE_PAGE = "Hello from outside the namespace";
    private static final String CLASH = "clash";
    private static final int FIRST_PORT = 8080;
    private static final int SECOND_PORT = 8081;
    private static final String PAGE = "Hello from the Cocoon demo VM";

    private static GuestFixture guest;
    private static CocoonCli inside;
    private static NetworkNamespace namespace;
    private static NetworkNamespace outside;
    private static Process outsideServer;

    @BeforeAll
    static void namespaceAndImage(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        guest.cocoon().run("pull", "--quiet", guest.image()).ok();
        namespace = NetworkNamespace.create(NS);
        outside = NetworkNamespace.create(OUTSIDE);
        outsideWorld(Files.createDirectories(dir.resolve("outside")));
        inside = guest.cocoon().inNetworkNamespace(NS);
        inside.config("""
                [network]
                subnet = "198.51.100.0/24"
                dns = "192.0.2.53"
                """);
    }

    @AfterAll
    static void removeEverything() throws Exception {
        try {
            if (inside != null) {
                for (String vm : List.of(FIRST, SECOND)) {
                    inside.run(Duration.ofMinutes(2), null, "rm", "--force", vm);
                }
            }
            if (guest != null) {
                guest.close();
            }
        } finally {
            if (outsideServer != null) {
                outsideServer.destroyForcibly().waitFor();
            }
            if (namespace != null) {
                namespace.close();
            }
            if (outside != null) {
                outside.close();
            }
        }
    }

    /**
     * The veth pair is made from inside the test's namespace with its peer sent straight to the outside one, so
     * no device ever exists in the host's namespace; the test namespace's default route points at the outside.
     */
    private static void outsideWorld(Path site) throws Exception {
        namespace.exec("ip", "link", "add", "cc-in", "type", "veth", "peer", "name", "cc-out", "netns", OUTSIDE);
        namespace.exec("ip", "addr", "add", "203.0.113.2/24", "dev", "cc-in");
        namespace.exec("ip", "link", "set", "cc-in", "up");
        namespace.exec("ip", "route", "add", "default", "via", OUTSIDE_ADDRESS);
        outside.exec("ip", "addr", "add", OUTSIDE_ADDRESS + "/24", "dev", "cc-out");
        outside.exec("ip", "link", "set", "cc-out", "up");
        Files.writeString(site.resolve("index.html"), OUTSIDE_PAGE + "\n");
        outsideServer = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        OUTSIDE,
                        "python3",
                        "-m",
                        "http.server",
                        "80",
                        "--bind",
                        OUTSIDE_ADDRESS,
                        "--directory",
                        site.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    @Test
    @Order(1)
    void aPublishedHostAddressThisHostLacksIsRefusedInOneLineWithNoLeaseTaken() {
        CocoonCli.Run refused = inside.run(
                "create", "--name", "published", "--network", "bridge", "-p", "203.0.113.9:8080:80", guest.image());

        assertNotEquals(0, refused.exit());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("203.0.113.9 is not an address of this host"), refused.err());
        assertEquals(List.of(), leases());
    }

    @Test
    @Order(2)
    void twoVmsGetTheFirstAddressesOfTheSubnetAndATapCard() throws Exception {
        String planned = inside.run(flags("run", FIRST, FIRST_PORT)).ok().out();
        assertTrue(planned.contains("-netdev tap,id=net0,ifname=ck"), planned);
        assertTrue(planned.contains(",script=no,downscript=no "), planned);

        long create = System.nanoTime();
        inside.run(flags("create", FIRST, FIRST_PORT)).ok();
        inside.run(flags("create", SECOND, SECOND_PORT)).ok();
        GuestFixture.report("create two --network bridge", create);

        JsonNode first = network(FIRST);
        assertEquals("bridge", first.get("mode").asText());
        assertEquals(FIRST_ADDRESS + "/24", first.get("address").asText());
        assertEquals("198.51.100.1", first.get("gateway").asText());
        assertEquals("192.0.2.53", first.get("dns").get(0).asText());
        assertEquals(
                "127.0.0.1:" + FIRST_PORT + ":80/tcp",
                first.get("published").get(0).asText());
        assertEquals(SECOND_ADDRESS + "/24", network(SECOND).get("address").asText());
        assertEquals(List.of(FIRST_ADDRESS, SECOND_ADDRESS), leases());
    }

    @Test
    @Order(3)
    void eachGuestAnswersHttpFromTheHostAtItsAddress() throws Exception {
        long start = System.nanoTime();
        inside.run("start", FIRST).ok();
        inside.run("start", SECOND).ok();
        guest.awaitConsole(FIRST, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        guest.awaitConsole(SECOND, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("start two to banner", start);
        String mac = network(FIRST).get("mac").asText();
        assertTrue(
                guest.console(FIRST).contains("(" + mac + ") is " + FIRST_ADDRESS + "/24, gateway 198.51.100.1"),
                GuestFixture.tail(guest.console(FIRST), 30));

        String link = inNamespace("ip", "-o", "addr", "show", "dev", "cocoon0");
        assertTrue(link.contains("inet 198.51.100.1/24"), link);
        String table = inNamespace("nft", "list", "table", "ip", "cocoon");
        assertTrue(table.contains("ip saddr 198.51.100.0/24 ip daddr != 198.51.100.0/24 masquerade"), table);
        assertTrue(table.contains("tcp dport " + FIRST_PORT + " dnat to " + FIRST_ADDRESS + ":80"), table);

        long curl = System.nanoTime();
        awaitPage(FIRST_ADDRESS);
        awaitPage(SECOND_ADDRESS);
        GuestFixture.report("curl both guests at their addresses", curl);
        long published = System.nanoTime();
        awaitPage("127.0.0.1:" + FIRST_PORT);
        awaitPage("127.0.0.1:" + SECOND_PORT);
        GuestFixture.report("curl both guests through ports published on 127.0.0.1", published);
    }

    @Test
    @Order(4)
    void aHostPortAnotherRunningVmPublishesFailsTheStartNamingThatVm() throws IOException {
        inside.run(flags("create", CLASH, FIRST_PORT)).ok();
        String before = inNamespace("nft", "list", "table", "ip", "cocoon");
        try {
            CocoonCli.Run start = inside.run("start", CLASH);
            assertNotEquals(0, start.exit());
            assertEquals(1, start.err().strip().lines().count(), start.err());
            assertTrue(
                    start.err()
                            .contains("host port 127.0.0.1:" + FIRST_PORT + "/tcp published by VM " + CLASH
                                    + " is published by running VM " + FIRST),
                    start.err());
            assertEquals(
                    before, inNamespace("nft", "list", "table", "ip", "cocoon"), "the refused start changed the table");
            assertFalse(inNamespace("ip", "-o", "link").contains(tapOf(CLASH)), "the refused start left a TAP");
        } finally {
            inside.run(Duration.ofMinutes(2), null, "rm", "--force", CLASH).ok();
        }
    }

    @Test
    @Order(5)
    void theSecondGuestFetchesTheFirstGuestsPageByAddress() {
        String out = inside.run(Duration.ofSeconds(90), "wget -qO- http://" + FIRST_ADDRESS + "/\n", "console", SECOND)
                .ok()
                .out();
        assertTrue(out.contains(PAGE), out);
    }

    @Test
    @Order(6)
    void aGuestReachesTheOutsideWorldThroughTheMasquerade() {
        String[] out = {""};
        GuestFixture.await(
                Duration.ofSeconds(60),
                () -> "wget http://" + OUTSIDE_ADDRESS + "/ in " + SECOND + " printed: " + out[0],
                () -> {
                    out[0] = inside.run(
                                    Duration.ofSeconds(90),
                                    "wget -qO- http://" + OUTSIDE_ADDRESS + "/\n",
                                    "console",
                                    SECOND)
                            .ok()
                            .out();
                    return out[0].contains(OUTSIDE_PAGE);
                });
    }

    @Test
    @Order(7)
    void stopAndStartKeepAddressAndMacAndTakeTheTapAwayInBetween() throws Exception {
        JsonNode before = network(FIRST);
        String tap = tapOf(FIRST);
        assertTrue(inNamespace("ip", "-o", "link", "show", "master", "cocoon0").contains(tap));

        inside.run(Duration.ofMinutes(2), null, "stop", "--force", FIRST).ok();
        assertFalse(inNamespace("ip", "-o", "link").contains(tap), "the TAP outlived stop");
        String table = inNamespace("nft", "list", "table", "ip", "cocoon");
        assertFalse(table.contains("dport " + FIRST_PORT), "the published port outlived stop: " + table);

        inside.run("start", FIRST).ok();
        guest.awaitConsole(FIRST, GuestFixture.BANNER, 2, GuestFixture.BOOT_TIMEOUT);
        JsonNode after = network(FIRST);
        assertEquals(before.get("address"), after.get("address"));
        assertEquals(before.get("mac"), after.get("mac"));
        awaitPage(FIRST_ADDRESS);
        awaitPage("127.0.0.1:" + FIRST_PORT);
    }

    @Test
    @Order(8)
    void afterTheHostLosesTheBridgeAndTheTableAsInARebootStartBringsTheVmBack() throws Exception {
        inside.run(Duration.ofMinutes(2), null, "stop", "--force", FIRST).ok();
        namespace.exec("ip", "link", "del", "cocoon0");
        namespace.exec("nft", "delete", "table", "ip", "cocoon");

        inside.run("start", FIRST).ok();
        guest.awaitConsole(FIRST, GuestFixture.BANNER, 3, GuestFixture.BOOT_TIMEOUT);

        assertEquals(FIRST_ADDRESS + "/24", network(FIRST).get("address").asText());
        awaitPage(FIRST_ADDRESS);
        awaitPage("127.0.0.1:" + FIRST_PORT);
        String table = inNamespace("nft", "list", "table", "ip", "cocoon");
        assertTrue(
                table.contains("tcp dport " + SECOND_PORT + " dnat to " + SECOND_ADDRESS + ":80"),
                "the table was rebuilt without the other running VM's port: " + table + runningCards());
    }

    @Test
    @Order(9)
    void rmAndGcLeaveNoTapAndNoLease() throws Exception {
        String firstTap = tapOf(FIRST);
        String secondTap = tapOf(SECOND);
        inside.run(Duration.ofMinutes(2), null, "rm", "--force", FIRST).ok();
        inside.run(Duration.ofMinutes(2), null, "rm", "--force", SECOND).ok();
        inside.run("gc").ok();

        String links = inNamespace("ip", "-o", "link");
        assertFalse(links.contains(firstTap) || links.contains(secondTap), links);
        assertEquals(List.of(), leases());
        String table = inNamespace("nft", "list", "table", "ip", "cocoon");
        assertFalse(table.contains("dnat"), table);
    }

    private static String[] flags(String command, String name, int port) {
        return new String[] {
            command,
            "-p",
            "127.0.0.1:" + port + ":80",
            "--network",
            "bridge",
            "--name",
            name,
            "--hypervisor",
            "qemu",
            "--accel",
            "tcg",
            "--cpu",
            "1",
            "--memory",
            GuestFixture.MEMORY,
            "--storage",
            GuestFixture.STORAGE,
            guest.image()
        };
    }

    private static JsonNode network(String vm) throws IOException {
        return JSON.readTree(inside.run("inspect", vm).ok().out()).get("network");
    }

    private static String tapOf(String vm) throws IOException {
        JsonNode inspected = JSON.readTree(inside.run("inspect", vm).ok().out());
        String tap = inspected.get("network").get("tap").asText();
        assertEquals("ck" + inspected.get("vm").get("id").asText().substring(0, 12), tap);
        return tap;
    }

    private static String runningCards() throws IOException {
        StringBuilder cards = new StringBuilder();
        Path dir = inside.root().resolve("network").resolve("running");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    cards.append('\n').append(file.getFileName()).append(": ").append(Files.readString(file));
                }
            }
        }
        return cards.toString();
    }

    private static List<String> leases() {
        Path dir = inside.root().resolve("network").resolve("leases");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitPage(String address) {
        String[] page = {""};
        GuestFixture.await(
                Duration.ofSeconds(60), () -> "curl http://" + address + "/ inside " + NS + " got: " + page[0], () -> {
                    page[0] = inNamespace("curl", "-sS", "--max-time", "5", "http://" + address + "/");
                    return page[0].contains(PAGE);
                });
    }

    private static String inNamespace(String... command) {
        return namespace.output(command);
    }
}
