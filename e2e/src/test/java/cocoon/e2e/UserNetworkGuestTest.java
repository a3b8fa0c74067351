package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --network user} end to end with the demo guest under QEMU (TCG): a port published on 127.0.0.1 reaches
 * the guest's HTTP server, and the guest configured the address the host planned. Cocoon, QEMU and curl run
 * inside a network namespace the test creates and deletes (DESIGN §6), so no guest packet can leave it; only the
 * pull, from the registry on the host's loopback, runs outside.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UserNetworkGuestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "web";
    private static final String NS = "cocoon-e2e-net-" + ProcessHandle.current().pid();
    private static final int PORT = 8080;
    private static final String PAGE = "Hello from the Cocoon demo VM";

    private static GuestFixture guest;
    private static CocoonCli inside;
    private static NetworkNamespace namespace;

    @BeforeAll
    static void namespaceAndImage(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        guest.cocoon().run("pull", "--quiet", guest.image()).ok();
        namespace = NetworkNamespace.create(NS);
        inside = guest.cocoon().inNetworkNamespace(NS);
    }

    @AfterAll
    static void removeEverything() throws Exception {
        NetworkNamespace.removeAll(namespace, inside, List.of(VM), guest);
    }

    @Test
    @Order(1)
    void hostileNetworkFlagsAreRefusedAtCreateInOneLineWithNothingWritten() throws IOException {
        Map<List<String>, String> refused = new LinkedHashMap<>();
        refused.put(List.of("--network", "user", "-p", "0:80"), "--publish '0:80' is not a port rule");
        refused.put(List.of("--network", "user", "-p", "70000:80"), "--publish '70000:80' is not a port rule");
        refused.put(List.of("--network", "user", "-p", "abc"), "--publish 'abc' is not a port rule");
        refused.put(List.of("--network", "user", "-p", "8080:80", "-p", "8080:81"), "names host port 8080/tcp twice");
        refused.put(
                List.of("--network", "user", "-p", "203.0.113.9:8080:80"),
                "203.0.113.9 is not an address of this host");
        refused.put(List.of("--network", "none", "-p", "8080:80"), "--network none gives the VM none");
        refused.put(List.of("--network", "user", "--hypervisor", "chv", "-p", "8080:80"), "--hypervisor qemu");
        refused.forEach((flags, expected) -> {
            List<String> args = new ArrayList<>(List.of("create", "--name", "hostile"));
            args.addAll(flags);
            args.add(guest.image());
            CocoonCli.Run run = inside.run(args.toArray(String[]::new));
            assertNotEquals(0, run.exit(), flags + " was accepted");
            assertEquals(1, run.err().strip().lines().count(), flags + ": " + run.err());
            assertTrue(run.err().contains(expected), flags + ": " + run.err());
        });
        assertEquals(
                0,
                JSON.readTree(inside.run("ps", "--format", "json").ok().out()).size(),
                "a refused create left a record");
        Path vms = inside.root().resolve("vms");
        try (var left = Files.exists(vms) ? Files.list(vms) : java.util.stream.Stream.<Path>empty()) {
            assertEquals(List.of(), left.toList(), "a refused create wrote a VM folder");
        }
    }

    @Test
    @Order(2)
    void aPortPublishedOnLoopbackReachesTheGuestsHttpServer() throws Exception {
        String[] flags = {
            "--network",
            "user",
            "-p",
            "127.0.0.1:" + PORT + ":80",
            "--name",
            VM,
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
        String planned = inside.run(concat("run", flags)).ok().out();
        assertTrue(planned.contains("-netdev user,id=net0,hostfwd=tcp:127.0.0.1:" + PORT + "-:80 "), planned);

        long create = System.nanoTime();
        inside.run(concat("create", flags)).ok();
        GuestFixture.report("create --network user", create);
        JsonNode network = JSON.readTree(inside.run("inspect", VM).ok().out()).get("network");
        assertEquals("user", network.get("mode").asText());
        assertEquals("10.0.2.15/24", network.get("address").asText());
        assertEquals("10.0.2.2", network.get("gateway").asText());
        assertEquals(
                "127.0.0.1:" + PORT + ":80/tcp", network.get("published").get(0).asText());
        String mac = network.get("mac").asText();
        assertTrue(mac.matches("52:54:00(:[0-9a-f]{2}){3}"), mac);
        assertTrue(inside.run("ps")
                .ok()
                .out()
                .lines()
                .anyMatch(line -> line.contains(" " + VM + " ") && line.contains("10.0.2.15")));

        long start = System.nanoTime();
        inside.run("start", VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("start to banner", start);
        assertTrue(
                guest.console(VM).contains("(" + mac + ") is 10.0.2.15/24, gateway 10.0.2.2"),
                GuestFixture.tail(guest.console(VM), 30));

        long curl = System.nanoTime();
        String[] page = {""};
        GuestFixture.await(
                Duration.ofSeconds(60),
                () -> "curl http://127.0.0.1:" + PORT + "/ inside " + NS + " got: " + page[0],
                () -> {
                    page[0] = curlInside();
                    return page[0].contains(PAGE);
                });
        GuestFixture.report("curl through -p", curl);
    }

    @Test
    @Order(3)
    void theGuestShowsTheAddressHostnameAndNameServerTheHostPlanned() {
        String out = inside.run(Duration.ofSeconds(90), "ip -4 addr; hostname; cat /etc/resolv.conf\n", "console", VM)
                .ok()
                .out();
        assertTrue(out.contains("inet 10.0.2.15/24"), out);
        assertTrue(out.lines().anyMatch(line -> line.strip().equals(VM)), "hostname is the VM's name: " + out);
        assertTrue(out.contains("nameserver 10.0.2.3"), out);
    }

    @Test
    @Order(4)
    void aPublishedPortHeldByAnotherProgramFailsTheStartNamingIt() throws Exception {
        inside.run(Duration.ofMinutes(2), null, "stop", "--force", VM).ok();
        Process holder = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        NS,
                        "python3",
                        "-c",
                        "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
                                + " s.bind(('127.0.0.1'," + PORT
                                + ")); s.listen(); print('held', flush=True); time.sleep(120)")
                .redirectErrorStream(true)
                .start();
        try {
            // SO_REUSEADDR: the curl connections of the test before may leave the port in TIME_WAIT, which is no
            // holder.
            String said = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertEquals("held", said, "the holder could not bind 127.0.0.1:" + PORT + ": " + said);
            CocoonCli.Run start = inside.run("start", VM);
            assertNotEquals(0, start.exit());
            assertEquals(1, start.err().strip().lines().count(), start.err());
            assertTrue(
                    start.err().contains("host port 127.0.0.1:" + PORT + "/tcp published by VM " + VM + " is in use"),
                    start.err());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        assertFalse(guest.state(VM).equals("running"));
    }

    private static String curlInside() {
        return namespace.output("curl", "-sS", "--max-time", "5", "http://127.0.0.1:" + PORT + "/");
    }

    private static String[] concat(String command, String[] flags) {
        String[] all = new String[flags.length + 1];
        all[0] = command;
        System.arraycopy(flags, 0, all, 1, flags.length);
        return all;
    }
}
