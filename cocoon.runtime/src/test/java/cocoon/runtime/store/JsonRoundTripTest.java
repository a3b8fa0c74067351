package cocoon.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void aVmRecordReadsBackExactlyAsWritten() throws Exception {
        VmRecord record = new VmRecord(
                "0123456789abcdef",
                "vm1",
                VmState.RUNNING,
                new VmSpec(
                        "vm1",
                        2,
                        1L << 30,
                        10L << 30,
                        "qemu",
                        Map.of("accel", "tcg"),
                        new VmSpec.CloudInit("cocoon", "pw", List.of("ssh-ed25519 AAAA x"), List.of())),
                new VmRecord.ImageRef("oci", "localhost:5000/demo:latest", "sha256:ab"),
                BootSpec.kernel(Path.of("/boot/vmlinuz"), Path.of("/boot/initrd"), "cocoon.cow=cocoon-cow"),
                List.of(
                        new Disk(Path.of("/var/lib/cocoon/vms/x/cow.raw"), DiskFormat.RAW, false, "cocoon-cow", null),
                        new Disk(
                                Path.of("/a b/overlay.qcow2"),
                                DiskFormat.QCOW2,
                                false,
                                "cocoon-root",
                                Path.of("/base.qcow2"))),
                Instant.parse("2026-11-26T12:00:00Z"),
                Instant.parse("2026-11-26T12:01:00Z"),
                4242,
                null,
                null);
        Path file = dir.resolve("vm.json");
        new AtomicJsonFiles().write(file, record);
        assertEquals(record, new AtomicJsonFiles().read(file, VmRecord.class).orElseThrow());
        String json = java.nio.file.Files.readString(file);
        assertTrue(json.contains("\"kernel\" : \"/boot/vmlinuz\""), json);
        assertTrue(json.contains("\"created\" : \"2026-11-26T12:00:00Z\""), json);
    }

    /** Written by e6bd691's own code (its AtomicJsonFiles), when QEMU's acceleration sat in the spec. */
    @Test
    void aRecordWrittenBeforeHypervisorOptionsKeepsItsAcceleration() throws Exception {
        Path file = dir.resolve("vm.json");
        try (var fixture = getClass().getResourceAsStream("/records/vm-e6bd691.json")) {
            java.nio.file.Files.copy(fixture, file);
        }
        VmRecord record = new AtomicJsonFiles().read(file, VmRecord.class).orElseThrow();
        assertEquals(Map.of("accel", "tcg"), record.spec().hypervisorOptions());
        assertEquals("qemu", record.hypervisor());
        assertEquals(VmState.STOPPED, record.state());
        assertEquals("cocoon", record.spec().cloudInit().password());
        new AtomicJsonFiles().write(file, record);
        assertEquals(record, new AtomicJsonFiles().read(file, VmRecord.class).orElseThrow());
    }
}
