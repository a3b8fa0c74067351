package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Debian cloud image ({@link BuiltGuestImage#DEBIAN_CLOUD}: Debian's own cloud-init and OpenSSH, no hand-written seed
 * reader) pulled over HTTP and booted under QEMU (TCG) with OVMF and {@code --network user}: cloud-init takes the
 * login, its key and the VM's name from Cocoon's NoCloud seed, and a real {@code ssh} through the port published
 * on 127.0.0.1 logs in and runs {@code hostname}. Cocoon, QEMU and ssh run inside a network namespace the test
 * creates and deletes (DESIGN §6); only the pull, from the HTTP server on the host's loopback, runs outside.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianCloudGuestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "debian1";
    private static final String CLONE = "debian2";
    private static final int CLONE_SSH_PORT = 2223;
    private static final String WARM_CLONE = "debian3";
    private static final int WARM_SSH_PORT = 2224;
    /** What makes the guest itself: cloud-init renews the SSH host key for a new instance id, systemd keeps the machine id. */
    private static final String IDENTITY =
            "hostname; cat /etc/machine-id; cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub";

    private static final String NS =
            "cocoon-e2e-debian-" + ProcessHandle.current().pid();
    private static final String IMAGE = "/debian-cloud.qcow2";
    private static final int SSH_PORT = 2222;
    /** The login Cocoon's cloud-init seed creates unless {@code --user} names another. */
    private static final String LOGIN = "cocoon";
    /** OVMF, GRUB, the kernel, systemd and cloud-init's four Python stages under TCG: 68-184 s at load 4-12. */
    private static final Duration SSH_TIMEOUT = Duration.ofMinutes(8);
    /** systemd-logind turns the power button into a shutdown: 6-23 s at load 4-12. */
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    static Path dir;

    private static ImageHttpServer server;
    private static NetworkNamespace namespace;
    private static CocoonCli inside;
    private static Path key;
    private static List<String> sourceIdentity;

    @BeforeAll
    static void pullTheImageAndMakeANamespace() throws Exception {
        server = ImageHttpServer.start(Map.of(IMAGE, BuiltGuestImage.DEBIAN_CLOUD.get()));
        CocoonCli cocoon = new CocoonCli(dir.resolve("state"));
        long pull = System.nanoTime();
        cocoon.run("pull", "--quiet", server.url(IMAGE)).ok();
        GuestFixture.report("pull Debian cloud image", pull);
        key = dir.resolve("id_ed25519");
        GuestFixture.exec(Duration.ofSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
        namespace = NetworkNamespace.create(NS);
        inside = cocoon.inNetworkNamespace(NS);
    }

    @AfterAll
    static void removeEverything() throws Exception {
        NetworkNamespace.removeAll(namespace, inside, List.of(VM, CLONE, WARM_CLONE), server);
    }

    @Test
    @Order(1)
    void sshThroughThePublishedPortLogsInWithTheKeyAndTheGuestIsNamedAfterTheVm() {
        long create = System.nanoTime();
        inside.run(
                        "create",
                        "--name",
                        VM,
                        "--network",
                        "user",
                        "-p",
                        "127.0.0.1:" + SSH_PORT + ":22",
                        "--ssh-key",
                        key + ".pub",
                        "--hypervisor",
                        "qemu",
                        "--accel",
                        "tcg",
                        "--cpu",
                        "1",
                        "--memory",
                        "512M",
                        // The image's own size: a bigger disk would have cloud-init grow the root at first boot.
                        "--storage",
                        "2G",
                        server.url(IMAGE))
                .ok();
        GuestFixture.report("create", create);

        long start = System.nanoTime();
        inside.run("start", VM).ok();
        Login[] login = {new Login(-1, "(not tried)")};
        GuestFixture.await(
                SSH_TIMEOUT,
                () -> "no ssh login to " + LOGIN + "@127.0.0.1:" + SSH_PORT + " within " + SSH_TIMEOUT + "; ssh said: "
                        + login[0].out().strip() + "\nconsole.log ends with:\n" + consoleTail(),
                () -> {
                    login[0] = ssh("hostname");
                    if (login[0].exit() != 0) {
                        // Until sshd listens, QEMU's forward refuses at once: no need to spawn ssh five times a second.
                        GuestFixture.sleep(2000);
                    }
                    return login[0].exit() == 0;
                });
        GuestFixture.report("start to ssh login", start);
        assertEquals(VM, login[0].out().strip(), "hostname over ssh");
    }

    @Test
    @Order(2)
    void cocoonSshLogsInAndTheSeedsNetworkConfigGaveTheAddressAndNameServer() {
        CocoonCli.Run hostname = inside.run(Duration.ofMinutes(1), null, "ssh", VM, "--", "hostname");
        assertEquals(0, hostname.exit(), hostname.err());
        assertEquals(VM, hostname.out().strip(), "hostname through cocoon ssh");

        String out = inside.run(
                        Duration.ofMinutes(1), null, "ssh", VM, "--", "ip -4 addr show eth0; cat /etc/resolv.conf")
                .ok()
                .out();
        assertTrue(out.contains("inet 10.0.2.15/24"), "network-config named the card eth0 by its MAC: " + out);
        assertTrue(out.contains("nameserver 10.0.2.3"), "the seed's name server reached resolv.conf: " + out);
    }

    @Test
    @Order(3)
    void theSourceHasAMachineIdAndAnSshHostKey() {
        sourceIdentity = ssh(SSH_PORT, IDENTITY).out().strip().lines().toList();
        assertEquals(3, sourceIdentity.size(), sourceIdentity.toString());
        assertEquals(VM, sourceIdentity.getFirst());
    }

    /**
     * A memory snapshot of the running cloud VM, cloned: the clone resumes the source's guest (its host name and SSH
     * host key, no boot) over a copy of the overlay that keeps the shared base, with the UEFI variable store saved
     * with the state, and answers ssh on its own published port at once.
     */
    @Test
    @Order(4)
    void aMemoryCloneResumesTheSourcesGuestOverItsOwnOverlay() throws IOException {
        inside.run("snapshot", "save", VM, "--name", "debian-warm").ok();
        long clone = System.nanoTime();
        inside.run("clone", "debian-warm", "--name", WARM_CLONE, "-p", "127.0.0.1:" + WARM_SSH_PORT + ":22")
                .ok();
        Login login = ssh(WARM_SSH_PORT, IDENTITY);
        GuestFixture.report("clone (memory) to ssh answer", clone);

        assertEquals(0, login.exit(), login.out());
        assertEquals(sourceIdentity, login.out().strip().lines().toList(), "the clone is the source's guest");
        JsonNode disks = inspect(WARM_CLONE).at("/vm/disks");
        assertEquals(
                inspect(VM).at("/vm/disks/0/backingFile").asText(),
                disks.at("/0/backingFile").asText(),
                "the clone's overlay keeps the shared base");
        Path vmDir = Path.of(inspect(WARM_CLONE).at("/paths/vmDir").asText());
        assertTrue(Files.exists(vmDir.resolve("OVMF_VARS.fd")), "the clone has its own UEFI variable store");
        assertTrue(Path.of(disks.at("/0/path").asText()).startsWith(vmDir), disks.toString());
        inside.run(Duration.ofMinutes(3), null, "rm", "--force", WARM_CLONE).ok();
    }

    @Test
    @Order(5)
    void stopPowersTheGuestOffThroughSystemdWithinTheTimeout() {
        long stop = System.nanoTime();
        inside.run(STOP_TIMEOUT.plusMinutes(1), null, "stop", "--timeout", STOP_TIMEOUT.toSeconds() + "s", VM)
                .ok();
        long took = GuestFixture.report("stop", stop);
        assertTrue(
                consoleTail().contains("reboot: Power down"),
                "the guest powered itself off after the power button:\n" + consoleTail());
        assertTrue(took < STOP_TIMEOUT.toMillis(), "stop took " + took + " ms, past the power button's timeout");
        assertTrue(inside.run("ps").ok().out().lines().anyMatch(line -> line.contains(VM) && line.contains("stopped")));
    }

    /**
     * A disk-only snapshot of the stopped VM, cloned: the clone boots from a copy of the overlay over the same base
     * with a seed of its own (a new instance id), so cloud-init runs again: the clone is named after itself and has
     * an SSH host key of its own.
     */
    @Test
    @Order(6)
    void aDiskOnlyClonesSeedGivesItItsOwnHostnameAndSshHostKey() {
        inside.run("snapshot", "save", VM, "--name", "debian-cold").ok();
        long clone = System.nanoTime();
        inside.run("clone", "debian-cold", "--name", CLONE, "-p", "127.0.0.1:" + CLONE_SSH_PORT + ":22")
                .ok();
        Login[] login = {new Login(-1, "(not tried)")};
        GuestFixture.await(
                SSH_TIMEOUT,
                () -> "no ssh login to the clone within " + SSH_TIMEOUT + "; ssh said: "
                        + login[0].out().strip(),
                () -> {
                    login[0] = ssh(CLONE_SSH_PORT, IDENTITY);
                    if (login[0].exit() != 0) {
                        GuestFixture.sleep(2000);
                    }
                    return login[0].exit() == 0;
                });
        GuestFixture.report("clone (disk-only) to ssh login", clone);
        List<String> identity = login[0].out().strip().lines().toList();
        System.out.println("[identity] source " + sourceIdentity + ", clone " + identity);

        assertEquals(CLONE, identity.getFirst(), "hostname of the clone over ssh");
        assertNotEquals(sourceIdentity.get(2), identity.get(2), "cloud-init made the clone an SSH host key of its own");
        JsonNode clonesDisks = inspect(CLONE).at("/vm/disks");
        assertEquals(
                inspect(VM).at("/vm/disks/0/backingFile").asText(),
                clonesDisks.at("/0/backingFile").asText(),
                "the clone's overlay keeps the shared base");
    }

    /** {@code ssh -p SSH_PORT LOGIN@127.0.0.1 COMMAND} inside the namespace: how it exited and what it printed. */
    private static Login ssh(String command) {
        return ssh(SSH_PORT, command);
    }

    private static Login ssh(int port, String command) {
        List<String> argv = List.of(
                "ip",
                "netns",
                "exec",
                NS,
                "ssh",
                "-p",
                Integer.toString(port),
                "-i",
                key.toString(),
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ConnectTimeout=5",
                LOGIN + "@127.0.0.1",
                command);
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            return new Login(process.isAlive() ? -1 : process.exitValue(), out);
        } catch (IOException e) {
            return new Login(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private record Login(int exit, String out) {}

    private static JsonNode inspect(String vm) {
        try {
            return JSON.readTree(inside.run("inspect", vm).ok().out());
        } catch (IOException e) {
            throw new AssertionError("inspect " + vm + " printed no JSON: " + e, e);
        }
    }

    /** The last lines the VM printed on its serial console, over all its boots. */
    private static String consoleTail() {
        try {
            JsonNode inspect = JSON.readTree(inside.run("inspect", VM).ok().out());
            Path log = Path.of(inspect.path("paths").path("logDir").asText()).resolve("console.log");
            return Files.exists(log)
                    ? GuestFixture.tail(Files.readString(log, StandardCharsets.ISO_8859_1), 40)
                    : "(no console log at " + log + ")";
        } catch (IOException e) {
            throw new AssertionError("inspect " + VM + " printed no JSON: " + e, e);
        }
    }
}
