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
import java.util.ArrayList;
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
 * The demo OCI VM image booted for real under QEMU (TCG), driven only through bin/cocoon: pull,
 * create, start to the banner, a command typed through a real PTY, copy-on-write that survives a
 * restart and stays private to its VM, the image's whiteout, a graceful ACPI stop, the ways a user
 * breaks things (a deleted disk, a killed QEMU, rm of a running VM), and rm + gc leaving nothing.
 * The steps run in order on two shared VMs to keep the number of (slow, emulated) boots down.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OciGuestLifecycleTest {

    private static final String VM = "life";
    private static final String TWIN = "twin";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
    /** Computed by the guest, so the echo of the command that writes it can never be mistaken for it. */
    private static final String MARKER_COMMAND = "echo $((6*7))-cow > /root/marker; sync; cat /root/marker";

    private static final String MARKER = "42-cow";

    private static GuestFixture guest;
    private static CocoonCli cocoon;
    private static final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void pushImage(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
    }

    @AfterAll
    static void removeEverything() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    @Order(1)
    void pullCreateAndStartBootTheGuestToItsBanner() {
        long pull = System.nanoTime();
        cocoon.run("pull", "--quiet", guest.image()).ok();
        GuestFixture.report("pull", pull);

        long create = System.nanoTime();
        guest.create(VM).ok();
        GuestFixture.report("create", create);
        ids.add(guest.vm(VM).get("id").asText());

        long start = System.nanoTime();
        guest.start(VM).ok();
        assertEquals("running", guest.state(VM));
        guest.awaitConsole(VM, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("start to banner", start);
        assertTrue(guest.console(VM).contains("Welcome to the Cocoon demo VM"), "the top layer's motd is shown");
    }

    @Test
    @Order(2)
    void aCommandTypedIntoTheConsoleThroughARealPtyRunsInTheGuest() {
        try (TmuxTerminal terminal = TmuxTerminal.open(cocoon.environment(), CocoonCli.IMAGE.resolve("bin"))) {
            terminal.line("cocoon console " + VM);
            terminal.awaitScreen("Connected to " + VM, Duration.ofSeconds(30));
            terminal.enter();
            terminal.awaitScreen("cocoon# ", Duration.ofSeconds(30));
            terminal.line(MARKER_COMMAND);
            terminal.awaitScreen(MARKER, Duration.ofSeconds(30));
            terminal.literal("~.");
            terminal.awaitScreen("[disconnected from " + VM + "]", Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(3)
    void theWhiteoutOfTheTopLayerHidesTheDoomedFile() {
        String out = guest.pipe(VM, "ls /etc/cocoon-doomed; cat /etc/hostname\n");
        assertTrue(out.contains("/etc/cocoon-doomed: No such file or directory"), out);
        assertTrue(out.contains("cocoon-demo"), "files of the bottom layer are there: " + out);
    }

    @Test
    @Order(4)
    void stopPressesThePowerButtonAndTheGuestPowersOffWithinTheTimeout() {
        long stop = System.nanoTime();
        cocoon.run(STOP_TIMEOUT.plusMinutes(1), null, "stop", "--timeout", STOP_TIMEOUT.toSeconds() + "s", VM)
                .ok();
        long millis = GuestFixture.report("stop (ACPI)", stop);
        assertTrue(
                millis < STOP_TIMEOUT.toMillis(),
                "the guest powered off by itself before the timeout: " + millis + " ms");
        assertTrue(guest.console(VM).contains(GuestFixture.POWERING_OFF), GuestFixture.tail(guest.console(VM), 20));
        assertEquals("stopped", guest.state(VM));
    }

    @Test
    @Order(5)
    void aFileWrittenInTheGuestSurvivesStopAndStart() {
        long start = System.nanoTime();
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 2, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("restart to banner", start);
        String out = guest.pipe(VM, "cat /root/marker\n");
        assertTrue(out.contains(MARKER), out);
    }

    @Test
    @Order(6)
    void aSecondVmFromTheSameImageRunsAlongsideAndDoesNotSeeTheFirstOnesFiles() throws IOException {
        guest.create(TWIN).ok();
        ids.add(guest.vm(TWIN).get("id").asText());
        guest.start(TWIN).ok();
        guest.awaitConsole(TWIN, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);

        JsonNode ps = new ObjectMapper()
                .readTree(cocoon.run("ps", "--format", "json").ok().out());
        List<String> running = new ArrayList<>();
        ps.forEach(vm -> {
            if (vm.get("state").asText().equalsIgnoreCase("running")) {
                running.add(vm.get("name").asText());
            }
        });
        assertEquals(List.of(VM, TWIN), running.stream().sorted().toList(), "two VMs run at once: " + ps);
        assertNotEquals(
                guest.vm(VM).get("pid").asLong(), guest.vm(TWIN).get("pid").asLong());

        String out = guest.pipe(TWIN, "cat /root/marker\n");
        assertTrue(out.contains("can't open '/root/marker': No such file or directory"), out);
        assertFalse(out.contains(MARKER), out);
    }

    @Test
    @Order(7)
    void rmOfARunningVmWithoutForceIsRefused() {
        CocoonCli.Run rm = cocoon.run("rm", VM);
        assertEquals(1, rm.exit(), rm.err());
        assertEquals(1, rm.err().strip().lines().count(), rm.err());
        assertTrue(rm.err().contains("VM " + VM + " is running") && rm.err().contains("--force"), rm.err());
        assertEquals("running", guest.state(VM));
    }

    @Test
    @Order(8)
    void aKilledQemuShowsAsNotRunningAndTheVmStartsAgain() {
        long pid = guest.vm(TWIN).get("pid").asLong();
        ProcessHandle qemu = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no QEMU with pid " + pid));
        assertTrue(
                qemu.info().command().orElse("").contains("qemu-system"),
                qemu.info().toString());
        qemu.destroyForcibly();
        qemu.onExit().join();

        assertEquals("error", guest.state(TWIN), "a killed QEMU is neither running nor a clean stop");
        assertTrue(
                cocoon.run("ps").ok().out().lines().anyMatch(line -> line.contains(TWIN) && !line.contains("running")),
                cocoon.run("ps").out());

        long restart = System.nanoTime();
        guest.start(TWIN).ok();
        assertEquals("running", guest.state(TWIN));
        guest.awaitConsole(TWIN, GuestFixture.BANNER, 2, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("start after kill -9", restart);
    }

    @Test
    @Order(9)
    void aGuestThatPowersItselfOffShowsAsStopped() {
        cocoon.run(Duration.ofSeconds(90), "poweroff -f\n", "console", TWIN);
        GuestFixture.await(
                Duration.ofSeconds(60),
                () -> "VM " + TWIN + " is " + guest.state(TWIN) + " after poweroff in the guest",
                () -> guest.state(TWIN).equals("stopped"));
    }

    @Test
    @Order(10)
    void startOfAVmWhoseDiskWasDeletedByHandNamesTheFile() throws IOException {
        String broken = "broken";
        guest.create(broken).ok();
        Path cow = Path.of(guest.inspect(broken).get("paths").get("vmDir").asText())
                .resolve("cow.raw");
        Files.delete(cow);
        CocoonCli.Run start = guest.start(broken);
        assertEquals(1, start.exit(), start.out());
        assertEquals(1, start.err().strip().lines().count(), start.err());
        assertTrue(start.err().startsWith("cocoon: ") && start.err().contains(cow.toString()), start.err());
        assertNotEquals("running", guest.state(broken));
        cocoon.run("rm", broken).ok();
    }

    @Test
    @Order(11)
    void rmAndGcLeaveNoFileOfTheVms() throws IOException {
        long stop = System.nanoTime();
        cocoon.run(STOP_TIMEOUT.plusMinutes(1), null, "stop", "--timeout", STOP_TIMEOUT.toSeconds() + "s", VM)
                .ok();
        GuestFixture.report("second stop (ACPI)", stop);
        cocoon.run("rm", VM).ok();
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", TWIN).ok();
        cocoon.run("gc", "--horizon", "0s").ok();

        assertEquals(
                0,
                new ObjectMapper()
                        .readTree(cocoon.run("ps", "--format", "json").ok().out())
                        .size(),
                "no VM is left");
        assertEquals(2, ids.size(), "both VMs were made: " + ids);
        Path base = cocoon.base();
        for (String id : ids) {
            for (String folder : List.of("root/vms", "run", "log")) {
                assertFalse(Files.exists(base.resolve(folder).resolve(id)), folder + "/" + id + " is gone");
            }
            try (Stream<Path> files = Files.walk(base)) {
                List<Path> left =
                        files.filter(path -> path.toString().contains(id)).toList();
                assertEquals(List.of(), left, "no file of VM " + id + " is left");
            }
        }
    }
}
