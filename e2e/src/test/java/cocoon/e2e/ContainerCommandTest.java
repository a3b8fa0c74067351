package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command given at create runs instead of the image's init, under Cocoon's small PID 1, on the demo VM image
 * (which has its own kernel and init): its environment, working directory and user as the flags say, the VM powering
 * off by itself when the command exits and inspect showing its status, orphans reaped, and cocoon stop reaching the
 * command as SIGTERM.
 */
class ContainerCommandTest {

    /** A value that shell quoting on its way to the guest could break: spaces, both quotes, a dollar. */
    private static final String GREETING = "hello 'big' \"world\" $HOME";

    private static GuestFixture guest;
    private static CocoonCli cocoon;

    @BeforeAll
    static void pushImage(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        cocoon.run("pull", "--quiet", guest.image()).ok();
    }

    @AfterAll
    static void removeEverything() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void theCommandRunsWithItsEnvWorkdirAndUserAndTheVmStopsWithItsExitStatus() {
        guest.create(
                        "once",
                        guest.image(),
                        List.of(
                                "-e",
                                "GREETING=" + GREETING,
                                "-w",
                                "/var/www",
                                "-u",
                                "1234:5678",
                                "--entrypoint",
                                "/bin/sh",
                                "--",
                                "-c",
                                // An orphan: the subshell exits at once, its sleep is PID 1's to reap.
                                "echo \"greeting=$GREETING\"; echo \"dir=$(pwd)\"; cd; echo \"home=$(pwd)\";"
                                        + " echo \"ids=$(id -u):$(id -g)\"; (sleep 1 &); sleep 3;"
                                        + " echo \"zombies=$(grep -l '^State:.Z' /proc/[0-9]*/status | wc -l)\";"
                                        + " exit 3"))
                .ok();
        assertTrue(guest.inspect("once")
                .path("vm")
                .path("spec")
                .path("command")
                .path("argv")
                .isArray());

        guest.start("once").ok();
        GuestFixture.await(
                GuestFixture.BOOT_TIMEOUT,
                () -> "the VM did not stop by itself; console.log ends with:\n"
                        + GuestFixture.tail(guest.console("once"), 40),
                () -> guest.state("once").equals("stopped"));

        String console = guest.console("once");
        assertTrue(console.contains("greeting=" + GREETING), GuestFixture.tail(console, 40));
        assertTrue(console.contains("dir=/var/www"), GuestFixture.tail(console, 40));
        assertTrue(console.contains("home=/\r") || console.contains("home=/\n"), GuestFixture.tail(console, 40));
        assertTrue(console.contains("ids=1234:5678"), GuestFixture.tail(console, 40));
        assertTrue(console.contains("zombies=0"), GuestFixture.tail(console, 40));
        assertTrue(console.contains("the command exited with status 3"), GuestFixture.tail(console, 40));
        assertTrue(!console.contains(GuestFixture.BANNER), "the image's init did not run");
        assertEquals(3, guest.inspect("once").path("exitStatus").asInt(-1));
    }

    @Test
    void stopSendsSigtermToTheCommand() {
        guest.create(
                        "long",
                        guest.image(),
                        List.of(
                                "-u",
                                "root",
                                "--",
                                "/bin/sh",
                                "-c",
                                "trap 'echo got-term; exit 0' TERM; echo \"ready home=$HOME\"; sleep 1000 & wait"))
                .ok();
        guest.start("long").ok();
        guest.awaitConsole("long", "ready home=/root", 1, GuestFixture.BOOT_TIMEOUT);

        long stop = System.nanoTime();
        cocoon.run(Duration.ofMinutes(2), null, "stop", "--timeout", "60s", "long")
                .ok();
        long millis = GuestFixture.report("stop (SIGTERM)", stop);
        assertTrue(millis < 30_000, "the command ended on SIGTERM, not the stop timeout: " + millis + " ms");
        String console = guest.console("long");
        assertTrue(console.contains("got-term"), GuestFixture.tail(console, 20));
        assertEquals("stopped", guest.state("long"));
        assertEquals(0, guest.inspect("long").path("exitStatus").asInt(-1));
    }
}
