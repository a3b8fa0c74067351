package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
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
 * A Debian container image (guest/build-debian-container.sh: debootstrap minbase and python3, no kernel, no init,
 * Cmd {@code /bin/bash}) boots as a VM with the kernel image guest/build-kernel-image.sh builds: its Cmd is a shell
 * on {@code cocoon console}, and a {@code python3 -m http.server} given after the image answers through
 * {@code --publish}; {@code cocoon stop} ends it through SIGTERM. Cocoon, QEMU and curl run inside a network
 * namespace the test creates and deletes (DESIGN §6); only the pulls, from the registry on the host's loopback, run
 * outside.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianContainerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHELL_VM = "debshell";
    private static final String WEB_VM = "debweb";
    private static final String NS =
            "cocoon-e2e-debctr-" + ProcessHandle.current().pid();
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
    /** SeaBIOS, the kernel and Cocoon's initrd under TCG, then bash or python: 10-30 s. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    static Path dir;

    private static RegistryFixture registry;
    private static NetworkNamespace namespace;
    private static CocoonCli inside;
    private static String kernel;
    private static String image;

    @BeforeAll
    static void pushAndPullTheImagesAndMakeANamespace() throws Exception {
        Path container = BuiltGuestImage.DEBIAN_CONTAINER.get();
        Path kernelLayout = dir.resolve("kernel-layout");
        GuestFixture.exec(
                BUILD_TIMEOUT,
                "bash",
                CocoonCli.REPO.resolve("guest/build-kernel-image.sh").toString(),
                kernelLayout.toString());
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        kernel = registry.host() + "/cocoon/kernel:latest";
        image = registry.host() + "/cocoon/debian-container:12";
        push(kernelLayout, kernel);
        push(container, image);
        CocoonCli cocoon = new CocoonCli(dir.resolve("state"));
        long pull = System.nanoTime();
        cocoon.run(Duration.ofMinutes(10), null, "pull", "--quiet", kernel, image)
                .ok();
        GuestFixture.report("pull kernel and Debian container images", pull);
        namespace = NetworkNamespace.create(NS);
        inside = cocoon.inNetworkNamespace(NS);
    }

    private static void push(Path layout, String reference) throws Exception {
        GuestFixture.exec(
                Duration.ofMinutes(5),
                "bash",
                CocoonCli.REPO.resolve("guest/push-oci.sh").toString(),
                layout.toString(),
                reference);
    }

    @AfterAll
    static void removeEverything() throws Exception {
        NetworkNamespace.removeAll(namespace, inside, List.of(SHELL_VM, WEB_VM), registry);
    }

    @Test
    @Order(1)
    void itsCmdIsAShellOnTheConsoleAndItsExitStatusPowersTheVmOff() {
        create(SHELL_VM, "--network", "none", image);
        long start = System.nanoTime();
        inside.run("start", SHELL_VM).ok();
        awaitConsole(SHELL_VM, "the command starting", console -> console.contains("cocoon-hook"));
        GuestFixture.await(
                BOOT_TIMEOUT,
                () -> "bash never answered on the console; console.log ends with:\n"
                        + GuestFixture.tail(console(SHELL_VM), 40),
                () -> inside.run(Duration.ofSeconds(30), "echo shell-$((6*7)) in $PWD\n", "console", SHELL_VM)
                        .out()
                        .contains("shell-42 in /root"));
        GuestFixture.report("start to a shell answering on the console", start);

        inside.run(Duration.ofSeconds(30), "exit 7\n", "console", SHELL_VM);
        GuestFixture.await(
                BOOT_TIMEOUT,
                () -> "the VM did not power off after its shell exited; ps says "
                        + inside.run("ps").out(),
                () -> inside.run("ps")
                        .out()
                        .lines()
                        .anyMatch(line -> line.contains(SHELL_VM) && line.contains("stopped")));
        String console = console(SHELL_VM);
        assertTrue(console.contains("the command exited with status 7"), GuestFixture.tail(console, 20));
        assertEquals(7, inspect(SHELL_VM).path("exitStatus").asInt(-1));
    }

    @Test
    @Order(2)
    void aPythonWebServerGivenAfterTheImageAnswersThroughAPublishedPort() throws Exception {
        create(
                WEB_VM,
                "--network",
                "user",
                "-p",
                "127.0.0.1:18080:8000",
                image,
                "--",
                "python3",
                "-m",
                "http.server",
                "8000");
        long start = System.nanoTime();
        inside.run("start", WEB_VM).ok();
        awaitConsole(WEB_VM, "python's http.server serving", console -> console.contains("Serving HTTP on"));
        String page = namespace.output("curl", "-s", "--max-time", "20", "http://127.0.0.1:18080/");
        GuestFixture.report("start to a page through the published port", start);
        assertTrue(page.contains("Directory listing for /"), "python answered through the published port:\n" + page);

        long stop = System.nanoTime();
        inside.run(Duration.ofMinutes(2), null, "stop", WEB_VM).ok();
        long took = GuestFixture.report("stop through SIGTERM", stop);
        String console = console(WEB_VM);
        assertTrue(console.contains("the command exited with status"), GuestFixture.tail(console, 20));
        assertFalse(
                inspect(WEB_VM).path("exitStatus").isMissingNode(),
                inspect(WEB_VM).toString());
        assertTrue(took < 30_000, "stop took " + took + " ms: SIGTERM should end python at once");
    }

    private static void create(String name, String... rest) {
        List<String> argv = new ArrayList<>(List.of(
                "create",
                "--name",
                name,
                "--kernel",
                kernel,
                "--hypervisor",
                "qemu",
                "--accel",
                "tcg",
                "--cpu",
                "1",
                "--memory",
                "512M",
                "--storage",
                "1G"));
        argv.addAll(List.of(rest));
        inside.run(argv.toArray(String[]::new)).ok();
    }

    private static void awaitConsole(String vm, String what, Predicate<String> seen) {
        GuestFixture.await(
                BOOT_TIMEOUT,
                () -> "no " + what + " within " + BOOT_TIMEOUT + "; console.log ends with:\n"
                        + GuestFixture.tail(console(vm), 40),
                () -> seen.test(console(vm)));
    }

    private static String console(String vm) {
        try {
            Path log =
                    Path.of(inspect(vm).path("paths").path("logDir").asText()).resolve("console.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static JsonNode inspect(String vm) {
        try {
            return JSON.readTree(inside.run("inspect", vm).ok().out());
        } catch (IOException e) {
            throw new AssertionError("inspect " + vm + " printed no JSON: " + e, e);
        }
    }
}
