package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of {@code snapshot save}, {@code clone} and {@code restore} at the moment each is in the middle of what it
 * changes (seen from the files it writes), with the demo guest under QEMU: the source is left paused and shown so,
 * and the next start resumes it; no half clone is listed and gc removes what the kill left; a memory clone killed
 * after its record resumes at its start, never booting; a restore killed
 * half-way leaves a VM that boots from one consistent disk, and the next restore finishes the job.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotCrashTest {

    private static final String VM = "crashed";
    private static final String READ_MARKER = "cat /root/disk-marker /tmp/mem-marker\n";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KILL_WINDOW = Duration.ofSeconds(60);

    private static GuestFixture guest;
    private static CocoonCli cocoon;

    @BeforeAll
    static void bootTheSource(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        guest.bootDemo(VM);
        String out = guest.pipe(
                VM,
                "echo $((6*7))-disk > /root/disk-marker; echo $((6*7))-mem > /tmp/mem-marker; sync\n" + READ_MARKER);
        assertTrue(out.contains("42-disk") && out.contains("42-mem"), out);
    }

    @AfterAll
    static void removeEverything() {
        if (guest != null) {
            guest.close();
        }
    }

    private static Path folder(String name, String which) {
        return Path.of(guest.inspect(name).get("paths").get(which).asText());
    }

    /** Runs cocoon with {@code args} and kills it -9 as soon as {@code inside} holds; false if it ended first. */
    private static boolean killWhen(BooleanSupplier inside, String... args) throws Exception {
        Process command = cocoon.spawn(args);
        long deadline = System.nanoTime() + KILL_WINDOW.toNanos();
        while (!inside.getAsBoolean() && command.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        boolean landed = command.isAlive() && inside.getAsBoolean();
        CocoonCli.kill(command);
        return landed;
    }

    private static List<String> vmNames() throws IOException {
        List<String> names = new ArrayList<>();
        JSON.readTree(cocoon.run("ps", "--format", "json").ok().out())
                .forEach(vm -> names.add(vm.get("name").asText()));
        return names;
    }

    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }

    @Test
    @Order(1)
    void aSaveKilledWhileTheGuestIsPausedShowsItPausedAndStartResumesIt() throws Exception {
        Path mark = folder(VM, "runDir").resolve("paused-by-snapshot-save");

        assertTrue(
                killWhen(() -> Files.exists(mark), "snapshot", "save", VM, "--name", "killed"),
                "the save ended before it paused the guest");

        assertTrue(Files.exists(mark));
        assertEquals("paused", guest.state(VM), "ps and inspect tell that the guest is paused");
        JsonNode listed =
                JSON.readTree(cocoon.run("ps", "--format", "json").ok().out());
        assertTrue("paused".equalsIgnoreCase(listed.get(0).get("state").asText()), listed.toString());
        assertFalse(cocoon.run("snapshot", "ls").ok().out().contains("killed"), "a killed save is never listed");

        CocoonCli.Run resumed = cocoon.run("start", VM).ok();

        assertTrue(resumed.err().contains("left paused by an interrupted snapshot save"), resumed.err());
        assertEquals("running", guest.state(VM));
        String out = guest.pipe(VM, READ_MARKER);
        assertTrue(out.contains("42-mem"), "the guest runs on where it was paused: " + out);
        assertEquals(1, GuestFixture.count(guest.console(VM), GuestFixture.BANNER), "resumed, not booted again");
    }

    @Test
    @Order(2)
    void aCloneKilledWhileItCopiesIsNeverListedAndGcRemovesWhatItLeft() throws Exception {
        cocoon.run("snapshot", "save", VM, "--name", "warm").ok();
        Path vms = cocoon.root().resolve("vms");
        List<Path> before = children(vms);

        boolean landed = killWhen(
                () -> {
                    try {
                        return children(vms).size() > before.size();
                    } catch (IOException e) {
                        return false;
                    }
                },
                "clone",
                "warm",
                "--name",
                "half");

        assertTrue(landed, "the clone ended before it made its folder");
        List<String> names = vmNames();
        if (names.contains("half")) {
            // Killed after its record: a whole VM, not yet resumed, that rm takes like any other.
            assertTrue(List.of("created", "paused", "running").contains(guest.state("half")), guest.state("half"));
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "half").ok();
        }
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(before, children(vms), "gc removed the half clone's folder");

        cocoon.run("clone", "warm", "--name", "half").ok();
        guest.remember("half");
        String out = guest.pipe("half", READ_MARKER);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "half").ok();
    }

    @Test
    @Order(3)
    void aMemoryCloneKilledAfterItsRecordResumesAtTheNextStartWithoutABoot() throws Exception {
        Path vms = cocoon.root().resolve("vms");
        List<Path> before = children(vms);

        boolean landed = killWhen(
                () -> {
                    try {
                        return children(vms).stream()
                                .anyMatch(dir -> !before.contains(dir) && Files.exists(dir.resolve("vm.json")));
                    } catch (IOException e) {
                        return false;
                    }
                },
                "clone",
                "warm",
                "--name",
                "late");

        assertTrue(landed, "the clone ended before the kill");
        guest.remember("late");
        // Before its launch it is created; after it, its hypervisor holds the guest paused until start lets it run.
        assertTrue(List.of("created", "paused").contains(guest.state("late")), guest.state("late"));

        CocoonCli.Run started = cocoon.run("start", "late").ok();

        assertEquals("running", guest.state("late"), started.err());
        String out = guest.pipe("late", READ_MARKER);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), "it runs on where the snapshot was: " + out);
        assertEquals(0, GuestFixture.count(guest.console("late"), GuestFixture.BANNER), "resumed, not booted");
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "late").ok();
    }

    @Test
    @Order(4)
    void aRestoreKilledHalfWayLeavesOneConsistentDiskAndTheNextRestoreFinishes() throws Exception {
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();
        cocoon.run("snapshot", "save", VM, "--name", "cold").ok();
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 2, GuestFixture.BOOT_TIMEOUT);
        String later = guest.pipe(VM, "echo $((6*9))-later > /root/later; sync; cat /root/later\n");
        assertTrue(later.contains("54-later"), later);
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();
        Path vmDir = folder(VM, "vmDir");

        assertTrue(
                killWhen(
                        () -> {
                            try {
                                return children(vmDir).stream()
                                        .anyMatch(file ->
                                                file.getFileName().toString().endsWith(".restore"));
                            } catch (IOException e) {
                                return false;
                            }
                        },
                        "restore",
                        VM,
                        "cold"),
                "the restore ended before it staged a disk");

        cocoon.run("gc", "--horizon", "0s").ok();
        boolean finishing = Files.exists(vmDir.resolve("restore.pending"));
        assertTrue(
                finishing
                        || children(vmDir).stream()
                                .noneMatch(file -> file.getFileName().toString().endsWith(".restore")),
                "gc removed the staged copy of a restore killed before its journal: " + children(vmDir));
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 3, GuestFixture.BOOT_TIMEOUT);
        String out = guest.pipe(VM, "cat /root/later /root/disk-marker\n");
        assertTrue(out.contains("42-disk"), "the VM boots from a whole disk: " + out);
        assertEquals(
                !finishing,
                out.contains("54-later"),
                "a journal written means the restore finished at start, else the old disk stayed: " + out);

        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();
        cocoon.run("restore", VM, "cold").ok();
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 4, GuestFixture.BOOT_TIMEOUT);
        assertTrue(guest.pipe(VM, "cat /root/later\n").contains("can't open '/root/later'"));
        assertEquals(
                List.of(),
                children(vmDir).stream()
                        .filter(file -> file.getFileName().toString().endsWith(".restore"))
                        .toList());
    }
}
