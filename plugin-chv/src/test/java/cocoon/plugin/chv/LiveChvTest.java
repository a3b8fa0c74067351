package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Hypervisor;
import cocoon.api.MachineFacts;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.chv.api.UnixHttpClient;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver against a real Cloud Hypervisor: set {@code COCOON_TEST_CH} to the binary (and
 * {@code COCOON_TEST_CH_FIRMWARE} to CLOUDHV.fd if it is not at the default path) on a host with
 * usable, non-PVM KVM. The guest is the firmware with an empty disk: enough to prove launch, the
 * real API, the PTY console, the power-off path and a bridge card on its TAP without an image.
 */
class LiveChvTest {

    @TempDir
    Path root;

    private String binary;
    private String firmware;
    private Hypervisor chv;

    @BeforeEach
    void requireRealCloudHypervisor() {
        binary = System.getenv("COCOON_TEST_CH");
        assumeTrue(
                binary != null && !binary.isBlank(),
                "COCOON_TEST_CH is not set: no real cloud-hypervisor to test against");
        firmware = System.getenv()
                .getOrDefault(
                        "COCOON_TEST_CH_FIRMWARE",
                        ChvSettings.FIRMWARE.defaultValue().toString());
        chv = open(binary);
        Availability availability = chv.check();
        assumeTrue(availability.usable(), "Cloud Hypervisor cannot run here: " + availability.detail());
        assumeTrue(
                Files.isRegularFile(Path.of(firmware)),
                "no UEFI firmware at " + firmware + " (set COCOON_TEST_CH_FIRMWARE)");
    }

    private Hypervisor open(String program) {
        return new ChvProvider()
                .open(Contexts.of(
                        LockScope.hypervisor("chv"),
                        root.resolve("lib"),
                        root.resolve("run"),
                        root.resolve("log"),
                        VmFixtures.settings(Map.of("binary", program, "firmware", firmware))));
    }

    /** The UEFI firmware with an empty disk: enough for Cloud Hypervisor to create every device and run. */
    private VmRecord firmwareVm() throws IOException {
        Path disk = root.resolve("lib/vms/" + VmFixtures.ID + "/empty.raw");
        Files.createDirectories(disk.getParent());
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(8 * VmFixtures.MIB);
        }
        return VmFixtures.record(
                VmFixtures.spec(256 * VmFixtures.MIB),
                BootSpec.firmware(),
                List.of(new Disk(disk, DiskFormat.RAW, false, "cocoon-empty", null)));
    }

    @Test
    void aFirmwareVmRunsHasAPtySerialConsoleAndStops() throws Exception {
        VmRecord vm = firmwareVm();
        VmPaths paths = VmFixtures.paths(root);

        long pid = chv.launch(vm, paths);
        VmRecord running = vm.running(pid, Instant.now());
        try {
            assertEquals(VmState.RUNNING, chv.state(running, paths));
            assertTrue(chv.console(running, paths).toString().startsWith("/dev/pts/"));
        } finally {
            chv.powerOff(running, paths, Duration.ofSeconds(5), false);
        }
        assertEquals(VmState.STOPPED, chv.state(running, paths));
        assertFalse(Files.exists(paths.runDir().resolve("api.sock")));
    }

    /**
     * The bridge card as {@code start} hands it to the driver: a TAP that exists (here in a network namespace the
     * test makes, so nothing touches the host's network, DESIGN §6), and Cloud Hypervisor started in the same
     * namespace, which attaches to the TAP by name, sets it up and reports the card with the record's MAC.
     */
    @Test
    void aVmWithABridgeCardRunsOnItsTapWithItsMac() throws Exception {
        assumeTrue(NetworkNamespace.canCreate(), "making a network namespace and a TAP needs root and ip");
        try (NetworkNamespace namespace = NetworkNamespace.create("chv-live")) {
            namespace.exec("ip", "tuntap", "add", "dev", VmFixtures.TAP, "mode", "tap");
            Hypervisor inside = open(namespace
                    .wrap(Path.of(binary), root.resolve("cloud-hypervisor"))
                    .toString());
            VmRecord vm = VmFixtures.withNetwork(firmwareVm(), VmFixtures.bridge());
            VmPaths paths = VmFixtures.paths(root);

            long pid = inside.launch(vm, paths);
            VmRecord running = vm.running(pid, Instant.now());
            try {
                assertEquals(VmState.RUNNING, inside.state(running, paths));
                JsonNode card = info(paths).at("/config/net/0");
                assertEquals(VmFixtures.TAP, card.path("tap").asText(), card.toString());
                assertEquals(VmFixtures.MAC, card.path("mac").asText(), card.toString());
                String link = namespace.exec("ip", "-o", "link", "show", "dev", VmFixtures.TAP);
                assertTrue(link.contains(",UP"), link);
            } finally {
                inside.powerOff(running, paths, Duration.ofSeconds(5), false);
            }
            assertEquals(VmState.STOPPED, inside.state(running, paths));
        }
    }

    /**
     * A memory snapshot of the firmware VM and a VM restored from it on its own copy of the disk: the real
     * {@code vm.snapshot} files, the edited {@code config.json} taken by a real restore, the clone running after
     * {@code vm.resume}, and the facts a save records equal to the ones a clone is checked against.
     */
    @Test
    void aRunningVmIsSavedAndAVmRestoredFromItRunsOnItsOwnDisk() throws Exception {
        VmRecord vm = firmwareVm();
        VmPaths paths = VmFixtures.paths(root);
        Path state = Files.createDirectories(root.resolve("lib/snapshots/00000000000000aa/state"));
        long pid = chv.launch(vm, paths);
        VmRecord running = vm.running(pid, Instant.now());
        MachineFacts saved;
        try {
            chv.pause(running, paths);
            saved = chv.saveState(running, paths, state);
            chv.resume(running, paths);
            assertEquals("Running", info(paths).path("state").asText());
        } finally {
            chv.powerOff(running, paths, Duration.ofSeconds(5), true);
        }
        assertTrue(Files.isRegularFile(state.resolve("config.json")));
        assertTrue(Files.isRegularFile(state.resolve("state.json")));
        assertTrue(Files.isRegularFile(state.resolve("memory-ranges")));
        assertEquals(chv.machine(vm), saved);

        Path copy = root.resolve("clone/vms/" + VmFixtures.ID + "/empty.raw");
        Files.createDirectories(copy.getParent());
        Files.copy(vm.disks().getFirst().path(), copy);
        Disk original = vm.disks().getFirst();
        VmRecord clone = VmFixtures.record(
                vm.spec(), vm.boot(), List.of(new Disk(copy, original.format(), false, original.serial(), null)));
        VmPaths clonePaths = new VmPaths(copy.getParent(), root.resolve("clone/run"), root.resolve("clone/log"));
        long clonePid = chv.launchFromState(clone, clonePaths, state);
        VmRecord cloneRunning = clone.running(clonePid, Instant.now());
        try {
            assertEquals(VmState.RUNNING, chv.state(cloneRunning, clonePaths));
            JsonNode info = info(clonePaths);
            assertEquals("Running", info.path("state").asText());
            assertEquals(copy.toString(), info.at("/config/disks/0/path").asText());
        } finally {
            chv.powerOff(cloneRunning, clonePaths, Duration.ofSeconds(5), true);
        }
    }

    private static JsonNode info(VmPaths paths) throws IOException {
        var response = new UnixHttpClient(paths.runDir().resolve("api.sock"), Duration.ofSeconds(5))
                .send("GET", "/api/v1/vm.info", null, new byte[0]);
        assertEquals(200, response.status(), response.bodyText());
        return new ObjectMapper().readTree(response.body());
    }
}
