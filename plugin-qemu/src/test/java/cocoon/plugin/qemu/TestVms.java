package cocoon.plugin.qemu;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.SettingValues;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.config.ConfigSection;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** VM records and folders as the runtime would hand them to the driver. */
final class TestVms {

    static final long MIB = 1024 * 1024;

    private TestVms() {}

    static VmRecord record(String name, String accel, long memoryMiB, BootSpec boot, List<Disk> disks) {
        VmSpec spec = new VmSpec(
                name, 1, memoryMiB * MIB, 0, "qemu", accel == null ? Map.of() : Map.of("accel", accel), null);
        return new VmRecord(
                "id-" + name,
                name,
                VmState.CREATED,
                spec,
                new VmRecord.ImageRef("oci", "example/" + name, "sha256:00"),
                boot,
                disks,
                Instant.parse("2026-01-01T00:00:00Z"),
                null,
                0,
                null,
                null);
    }

    static VmPaths paths(Path base, String id) {
        return new VmPaths(
                base.resolve("root/vms").resolve(id),
                base.resolve("run").resolve(id),
                base.resolve("log").resolve(id));
    }

    /** The {@code [qemu]} section as the runtime reads it from a config file holding {@code written}. */
    static SettingValues settings(Map<String, String> written) {
        return ConfigSection.read(null, "qemu", QemuSettings.DECLARED, written).values();
    }

    /** The record as it reads once {@code pid} is running (or is claimed to be). */
    static VmRecord withPid(VmRecord vm, long pid) {
        return vm.running(pid, Instant.now());
    }
}
