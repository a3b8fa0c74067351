package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Debian OCI VM image built the way docs/images.md describes ({@link BuiltGuestImage#DEBIAN_VM}: systemd,
 * initramfs-tools and Cocoon's hook and boot script from guest/initramfs-tools, no busybox init of ours), pushed
 * with guest/push-oci.sh to a real registry, pulled, and booted under QEMU (TCG) with {@code --network user}:
 * systemd reaches multi-user.target, the guest carries the VM's name and address, and {@code cocoon stop} reaches
 * systemd-logind through the power button. A small layer on top adds a unit that prints the hostname and the
 * addresses on the console once the system is up, since root has no password to log in with. A command given at
 * create runs instead of systemd, from the initramfs-tools boot script's PID 1. Cocoon and QEMU run
 * inside a network namespace the test creates and deletes (DESIGN §6); only the pull, from the registry on the
 * host's loopback, runs outside.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianVmImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM = "debianvm";
    private static final String COMMAND_VM = "debiancmd";
    private static final String NS =
            "cocoon-e2e-debvm-" + ProcessHandle.current().pid();
    private static final String REPORT = "cocoon-report: ";
    /** SeaBIOS, the kernel, initramfs-tools and systemd under TCG: multi-user.target 30-46 s after start. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(6);
    /** systemd-logind turns the power button into a shutdown: 2-4 s. */
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    static Path dir;

    private static RegistryFixture registry;
    private static NetworkNamespace namespace;
    private static CocoonCli inside;
    private static String image;
    private static Path consoleLog;

    @BeforeAll
    static void pushAndPullTheImageAndMakeANamespace() throws Exception {
        Path layout = BuiltGuestImage.DEBIAN_VM.get();
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        long push = System.nanoTime();
        GuestFixture.exec(
                Duration.ofMinutes(5),
                "bash",
                CocoonCli.REPO.resolve("guest/push-oci.sh").toString(),
                layout.toString(),
                registry.host() + "/cocoon/debian:12");
        GuestFixture.report("push Debian VM image", push);

        List<RegistryFixture.Layer> layers = new ArrayList<>(GuestFixture.layoutLayers(layout));
        layers.add(reportUnit().gzip());
        registry.pushImage("cocoon/debian-report", "12", RegistryFixture.OCI_MANIFEST, layers);
        image = registry.host() + "/cocoon/debian-report:12";

        CocoonCli cocoon = new CocoonCli(dir.resolve("state"));
        long pull = System.nanoTime();
        cocoon.run(Duration.ofMinutes(10), null, "pull", "--quiet", image).ok();
        GuestFixture.report("pull Debian VM image", pull);
        namespace = NetworkNamespace.create(NS);
        inside = cocoon.inNetworkNamespace(NS);
    }

    /** A layer with a systemd unit, enabled, that prints the hostname and IPv4 addresses once the system is up. */
    private static TestLayer reportUnit() {
        String unit = """
                [Unit]
                Description=Print the VM's name and addresses on the console
                After=multi-user.target

                [Service]
                Type=oneshot
                ExecStart=/bin/sh -c 'echo %shostname=$$(hostname); ip -4 -o addr show | sed "s/^/%s/"'
                StandardOutput=journal+console

                [Install]
                WantedBy=multi-user.target
                """.formatted(REPORT, REPORT);
        return new TestLayer()
                .file("etc/systemd/system/cocoon-report.service", unit, 0644, 0, 0)
                .dir("etc/systemd/system/multi-user.target.wants", 0755)
                .symlink(
                        "etc/systemd/system/multi-user.target.wants/cocoon-report.service",
                        "/etc/systemd/system/cocoon-report.service");
    }

    @AfterAll
    static void removeEverything() throws Exception {
        NetworkNamespace.removeAll(namespace, inside, List.of(VM, COMMAND_VM), registry);
    }

    @Test
    @Order(1)
    void systemdReachesMultiUserWithTheVmsNameAndAddress() {
        long create = System.nanoTime();
        inside.run(
                        "create",
                        "--name",
                        VM,
                        "--network",
                        "user",
                        "--hypervisor",
                        "qemu",
                        "--accel",
                        "tcg",
                        "--cpu",
                        "1",
                        "--memory",
                        "512M",
                        "--storage",
                        "1G",
                        image)
                .ok();
        GuestFixture.report("create", create);
        consoleLog = consoleLog(VM);

        long start = System.nanoTime();
        inside.run("start", VM).ok();
        awaitConsole("systemd reaching multi-user.target", DebianVmImageTest::reachedMultiUser);
        GuestFixture.report("start to multi-user.target", start);
        awaitConsole("the report unit's address line", console -> console.contains(REPORT + "2: "));
        GuestFixture.report("start to the report unit", start);
        awaitConsole("a login prompt named after the VM", console -> console.contains(VM + " login:"));
        GuestFixture.report("start to the login prompt", start);

        String console = console();
        // The image's one layer and the report unit's.
        assertTrue(console.contains("cocoon-hook: 2 layer(s) + COW mounted"), GuestFixture.tail(console, 60));
        assertTrue(console.contains(REPORT + "hostname=" + VM), "hostname is the VM's name:\n" + report(console));
        assertTrue(
                console.lines().anyMatch(line -> line.contains(REPORT) && line.contains("inet 10.0.2.15/24")),
                "the address the host planned survived systemd's start:\n" + report(console));
    }

    @Test
    @Order(2)
    void stopPowersTheGuestOffThroughSystemdWithinTheTimeout() {
        long stop = System.nanoTime();
        inside.run(STOP_TIMEOUT.plusMinutes(1), null, "stop", "--timeout", STOP_TIMEOUT.toSeconds() + "s", VM)
                .ok();
        long took = GuestFixture.report("stop", stop);
        String console = console();
        assertTrue(
                console.contains("systemd-shutdown[1]: Powering off.") && console.contains("reboot: Power down"),
                "systemd powered the guest off after the power button:\n" + GuestFixture.tail(console, 40));
        assertTrue(took < STOP_TIMEOUT.toMillis(), "stop took " + took + " ms, past the power button's timeout");
        assertTrue(inside.run("ps").ok().out().lines().anyMatch(line -> line.contains(VM) && line.contains("stopped")));
    }

    @Test
    @Order(3)
    void aCommandGivenAtCreateRunsInsteadOfSystemdWithTheVmsNameAndItsExitStatusShows() {
        inside.run(
                        "create",
                        "--name",
                        COMMAND_VM,
                        "--network",
                        "user",
                        "--hypervisor",
                        "qemu",
                        "--accel",
                        "tcg",
                        "--cpu",
                        "1",
                        "--memory",
                        "512M",
                        "--storage",
                        "1G",
                        image,
                        "-e",
                        "GREETING=from cocoon",
                        "--",
                        "/bin/sh",
                        "-c",
                        "echo \"cmd: $GREETING on $(cat /proc/sys/kernel/hostname) as $(id -u)\"; exit 4")
                .ok();
        consoleLog = consoleLog(COMMAND_VM);
        long start = System.nanoTime();
        inside.run("start", COMMAND_VM).ok();
        GuestFixture.await(
                BOOT_TIMEOUT,
                () -> "the VM did not stop by itself; console.log ends with:\n" + GuestFixture.tail(console(), 40),
                () -> inside.run("ps")
                        .ok()
                        .out()
                        .lines()
                        .anyMatch(line -> line.contains(COMMAND_VM) && line.contains("stopped")));
        GuestFixture.report("start to the command's exit", start);

        String console = console();
        assertTrue(console.contains("cmd: from cocoon on " + COMMAND_VM + " as 0"), GuestFixture.tail(console, 40));
        assertTrue(console.contains("the command exited with status 4"), GuestFixture.tail(console, 40));
        assertFalse(reachedMultiUser(console), "systemd did not start:\n" + GuestFixture.tail(console, 40));
        assertEquals(4, inspect(COMMAND_VM).path("exitStatus").asInt(-1));
    }

    /** systemd's status line, coloured on a serial console: "[  OK  ] Reached target ...multi-user.target...". */
    private static boolean reachedMultiUser(String console) {
        return console.lines().anyMatch(line -> line.contains("Reached target") && line.contains("multi-user.target"));
    }

    private static String report(String console) {
        return String.join(
                "\n", console.lines().filter(line -> line.contains(REPORT)).toList());
    }

    private static void awaitConsole(String what, Predicate<String> seen) {
        GuestFixture.await(
                BOOT_TIMEOUT,
                () -> "no " + what + " within " + BOOT_TIMEOUT + "; console.log ends with:\n"
                        + GuestFixture.tail(console(), 40),
                () -> seen.test(console()));
    }

    /** Everything the VM printed on its serial console, over all its boots. */
    private static String console() {
        try {
            return Files.exists(consoleLog) ? Files.readString(consoleLog, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static Path consoleLog(String vm) {
        return Path.of(inspect(vm).path("paths").path("logDir").asText()).resolve("console.log");
    }

    private static JsonNode inspect(String vm) {
        try {
            return JSON.readTree(inside.run("inspect", vm).ok().out());
        } catch (IOException e) {
            throw new AssertionError("inspect " + vm + " printed no JSON: " + e, e);
        }
    }
}
