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
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
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
 * real API, the PTY console and the power-off path without an image.
 */
class LiveChvTest {

    @TempDir
    Path root;

    private Hypervisor chv;

    @BeforeEach
    void requireRealCloudHypervisor() {
        String binary = System.getenv("COCOON_TEST_CH");
        assumeTrue(
                binary != null && !binary.isBlank(),
                "COCOON_TEST_CH is not set: no real cloud-hypervisor to test against");
        String firmware = System.getenv()
                .getOrDefault(
                        "COCOON_TEST_CH_FIRMWARE",
                        ChvSettings.FIRMWARE.defaultValue().toString());
        chv = new ChvProvider()
                .open(Contexts.of(
                        LockScope.hypervisor("chv"),
                        root.resolve("lib"),
                        root.resolve("run"),
                        root.resolve("log"),
                        VmFixtures.settings(Map.of("binary", binary, "firmware", firmware))));
        Availability availability = chv.check();
        assumeTrue(availability.usable(), "Cloud Hypervisor cannot run here: " + availability.detail());
        assumeTrue(
                Files.isRegularFile(Path.of(firmware)),
                "no UEFI firmware at " + firmware + " (set COCOON_TEST_CH_FIRMWARE)");
    }

    @Test
    void aFirmwareVmRunsHasAPtySerialConsoleAndStops() throws Exception {
        Path disk = root.resolve("lib/vms/" + VmFixtures.ID + "/empty.raw");
        Files.createDirectories(disk.getParent());
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(8 * VmFixtures.MIB);
        }
        VmRecord vm = VmFixtures.record(
                VmFixtures.spec(256 * VmFixtures.MIB),
                BootSpec.firmware(),
                List.of(new Disk(disk, DiskFormat.RAW, false, "cocoon-empty", null)));
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
}
