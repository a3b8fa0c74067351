package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * Snapshots of the demo guest under QEMU (TCG), driven only through bin/cocoon: a running VM saved with a marker in
 * guest memory only (a file on the guest's tmpfs) and one on its disk; a clone that shows both without booting and
 * then goes its own way while the source keeps running; a disk-only snapshot of the stopped VM that {@code restore}
 * rolls back to; and a save killed half-way that no listing shows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotGuestTest {

    private static final String VM = "source";
    private static final String CLONE = "clone";
    /** Computed by the guest, so the echo of the typed command is never taken for its output. */
    private static final String WRITE_MARKERS =
            "echo $((6*7))-mem > /tmp/mem-marker; echo $((6*7))-disk > /root/disk-marker; sync\n";

    private static final String READ_MARKERS = "cat /tmp/mem-marker /root/disk-marker\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GuestFixture guest;
    private static CocoonCli cocoon;

    @BeforeAll
    static void bootTheSource(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        guest.bootDemo(VM);
    }

    @AfterAll
    static void removeEverything() {
        if (guest != null) {
            guest.close();
        }
    }

    private static JsonNode snapshots() throws IOException {
        return JSON.readTree(
                cocoon.run("snapshot", "ls", "--format", "json").ok().out());
    }

    @Test
    @Order(1)
    void aRunningVmIsSavedWithItsMemoryAndKeepsRunning() throws IOException {
        String out = guest.pipe(VM, WRITE_MARKERS + READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);

        long save = System.nanoTime();
        CocoonCli.Run saved =
                cocoon.run("snapshot", "save", VM, "--name", "warm").ok();
        GuestFixture.report("snapshot save (256M)", save);

        assertTrue(saved.out().startsWith("warm "), saved.out());
        JsonNode snapshot =
                JSON.readTree(cocoon.run("snapshot", "inspect", "warm").ok().out());
        assertEquals("qemu", snapshot.at("/snapshot/machine/hypervisor").asText());
        assertTrue(snapshot.at("/snapshot/machine/machineType").asText().startsWith("pc-q35-"), snapshot.toString());
        assertEquals("tcg", snapshot.at("/snapshot/machine/accel").asText());
        Path folder = Path.of(snapshot.get("folder").asText());
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.toList()) {
                assertEquals(
                        Files.isDirectory(file) ? "rwx------" : "rw-------",
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                        file + " holds the guest's memory or disk: its owner's only");
            }
        }
        assertTrue(
                Files.isRegularFile(
                        Path.of(snapshot.at("/snapshot/memoryState").asText()).resolve("migration")),
                "QEMU's migration stream in the snapshot's state folder: " + snapshot);
        assertEquals("running", guest.state(VM));
        assertTrue(guest.pipe(VM, READ_MARKERS).contains("42-mem"), "the source answers after the save");
    }

    @Test
    @Order(2)
    void aCloneResumesWithBothMarkersAndNoBoot() {
        long clone = System.nanoTime();
        cocoon.run("clone", "warm", "--name", CLONE).ok();
        GuestFixture.report("clone (memory)", clone);
        guest.remember(CLONE);

        assertEquals("running", guest.state(CLONE));
        String out = guest.pipe(CLONE, READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
        String console = guest.console(CLONE);
        assertFalse(console.contains("Linux version"), "the clone did not boot a kernel: " + console);
        assertFalse(console.contains(GuestFixture.BANNER), "the clone did not boot: " + console);
        assertEquals("running", guest.state(VM), "the source keeps running");
    }

    @Test
    @Order(3)
    void writesInTheCloneAreAbsentInTheSource() {
        String clone = guest.pipe(CLONE, "echo $((6*8))-clone > /root/clone-marker; sync; cat /root/clone-marker\n");
        assertTrue(clone.contains("48-clone"), clone);

        String source = guest.pipe(VM, "cat /root/clone-marker\n");
        assertTrue(source.contains("can't open '/root/clone-marker'"), source);
    }

    @Test
    @Order(4)
    void aMemorySnapshotIsNotRestoredOverAnotherVm() {
        CocoonCli.Run refused = cocoon.run("restore", CLONE, "warm");
        assertEquals(1, refused.exit(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("snapshot warm is of VM " + VM), refused.err());
    }

    @Test
    @Order(5)
    void aSaveKilledHalfWayIsNeverListedAndTheNextSaveResumesTheSource() throws Exception {
        Path snapshotsDir = cocoon.root().resolve("snapshots");
        List<Path> before;
        try (Stream<Path> folders = Files.list(snapshotsDir)) {
            before = folders.toList();
        }
        Process save = cocoon.spawn("snapshot", "save", VM, "--name", "killed");
        // Polled tightly: the whole save of a 256M guest takes well under a second once its folder exists.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (newFolders(snapshotsDir, before) == 0 && save.isAlive() && System.nanoTime() < deadline) {
            GuestFixture.sleep(5);
        }
        assertTrue(save.isAlive(), "the save ended before it could be killed");
        CocoonCli.kill(save);

        assertFalse(guest.snapshotNames().contains("killed"), "a killed save is not listed: " + guest.snapshotNames());

        cocoon.run("snapshot", "save", VM, "--name", "after-kill").ok();
        assertTrue(guest.pipe(VM, READ_MARKERS).contains("42-mem"), "the source runs again");
        cocoon.run("snapshot", "rm", "after-kill").ok();
        CocoonCli.Run gc = cocoon.run("gc", "--horizon", "0s").ok();
        assertFalse(guest.snapshotNames().contains("killed"));
        assertEquals(List.of("warm"), guest.snapshotNames(), gc.out());
    }

    @Test
    @Order(6)
    void restoreRollsAStoppedVmBackToItsDiskOnlySnapshot() throws IOException {
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();
        CocoonCli.Run saved =
                cocoon.run("snapshot", "save", VM, "--name", "cold").ok();
        assertTrue(saved.out().startsWith("cold "), saved.out());
        assertEquals("disk", kindOf("cold"));

        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 2, GuestFixture.BOOT_TIMEOUT);
        String written = guest.pipe(VM, "echo $((6*9))-later > /root/later; sync; cat /root/later\n");
        assertTrue(written.contains("54-later"), written);
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();

        cocoon.run("restore", VM, "cold").ok();
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 3, GuestFixture.BOOT_TIMEOUT);

        String out = guest.pipe(VM, "cat /root/later /root/disk-marker\n");
        assertTrue(out.contains("can't open '/root/later'"), out);
        assertTrue(out.contains("42-disk"), "what was on the disk at the snapshot is there: " + out);
    }

    @Test
    @Order(7)
    void aSnapshotKeepsItsImageFilesThroughDeleteAndGcAfterItsVmsAreGone() {
        CocoonCli.Run refused = cocoon.run("delete", guest.image());
        assertEquals(1, refused.exit(), refused.err());
        assertTrue(refused.err().contains("snapshot warm"), refused.err());

        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", CLONE).ok();
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", VM).ok();
        cocoon.run("delete", "--force", guest.image()).ok();
        cocoon.run("gc").ok();

        cocoon.run("clone", "warm", "--name", "late").ok();
        guest.remember("late");
        String out = guest.pipe("late", READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
    }

    @Test
    @Order(8)
    void snapshotRmRemovesItsFolder() throws IOException {
        Path folder = Path.of(
                JSON.readTree(cocoon.run("snapshot", "inspect", "cold").ok().out())
                        .get("folder")
                        .asText());
        cocoon.run("snapshot", "rm", "cold").ok();
        assertFalse(Files.exists(folder));
        assertFalse(guest.snapshotNames().contains("cold"));
    }

    private static String kindOf(String name) throws IOException {
        for (JsonNode snapshot : snapshots()) {
            if (snapshot.get("name").asText().equals(name)) {
                JsonNode state = snapshot.path("memoryState");
                return state.isNull() || state.isMissingNode() ? "disk" : "memory";
            }
        }
        throw new AssertionError("no snapshot " + name);
    }

    private static long newFolders(Path dir, List<Path> before) {
        try (Stream<Path> folders = Files.list(dir)) {
            return folders.filter(folder -> !before.contains(folder)).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
