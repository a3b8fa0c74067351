package cocoon.plugin.chv;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Nic;
import cocoon.api.SettingValues;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.config.ConfigSection;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** VM records shaped like the ones the OCI and cloud-image disk builders produce. */
final class VmFixtures {

    static final long MIB = 1024L * 1024;
    static final String ID = "0f3c9a2b7d41";
    /** The bridge mode's names for this VM: {@code ck} and 12 hex digits of its id, and a MAC from the id. */
    static final String TAP = "ck" + ID;

    static final String MAC = "52:54:00:0f:3c:9a";

    private VmFixtures() {}

    /** The {@code [chv]} section as the runtime reads it from a config file holding {@code written}. */
    static SettingValues settings(Map<String, String> written) {
        return ConfigSection.read(null, "chv", ChvSettings.DECLARED, written).values();
    }

    static VmPaths paths(Path root) {
        return new VmPaths(root.resolve("lib/vms/" + ID), root.resolve("run/" + ID), root.resolve("log/" + ID));
    }

    static VmSpec spec(long memoryBytes) {
        return new VmSpec("web", 2, memoryBytes, 4096 * MIB, "chv", Map.of(), null);
    }

    /** Two EROFS layers (bottom first), the raw COW disk, and a kernel with its initrd. */
    static VmRecord ociVm(Path root, long memoryBytes) {
        Path blobs = root.resolve("lib/images/oci/blobs/sha256");
        Path boot = root.resolve("lib/images/oci/boot/9a1b2c3d4e5f");
        Path vmDir = root.resolve("lib/vms/" + ID);
        List<Disk> disks = List.of(
                new Disk(blobs.resolve("1111aaaa2222.erofs"), DiskFormat.RAW, true, "1111aaaa2222", null),
                new Disk(blobs.resolve("3333bbbb4444.erofs"), DiskFormat.RAW, true, "3333bbbb4444", null),
                new Disk(vmDir.resolve("cow.raw"), DiskFormat.RAW, false, "cocoon-cow", null));
        BootSpec bootSpec = BootSpec.kernel(boot.resolve("vmlinuz"), boot.resolve("initrd"), "quiet")
                .withCmdline("cocoon.layers=3333bbbb4444,1111aaaa2222 cocoon.cow=cocoon-cow");
        return record(spec(memoryBytes), bootSpec, disks);
    }

    /** A qcow2 overlay over a shared base, and the cloud-init seed; boots through UEFI. */
    static VmRecord cloudVm(Path root, long memoryBytes) {
        Path vmDir = root.resolve("lib/vms/" + ID);
        Path base = root.resolve("lib/images/cloudimg/blobs/5e6f7a8b.qcow2");
        List<Disk> disks = List.of(
                new Disk(vmDir.resolve("overlay.qcow2"), DiskFormat.QCOW2, false, "cocoon-root", base),
                new Disk(vmDir.resolve("cidata.img"), DiskFormat.RAW, true, "cidata", null));
        return record(spec(memoryBytes), BootSpec.firmware(), disks);
    }

    /** The kernel VM with one bridge card, and the guest contract's words the runtime adds at create (DESIGN §5a). */
    static VmRecord bridgedOciVm(Path root, long memoryBytes) {
        return withNetwork(ociVm(root, memoryBytes), bridge());
    }

    /** What the bridge mode plans for this VM on a documentation subnet: its TAP, its MAC, the first free address. */
    static VmNetwork bridge() {
        Nic nic = new Nic(Nic.Backend.TAP, MAC, "192.0.2.2", 24, "192.0.2.1", List.of("192.0.2.53"), List.of(), TAP);
        return new VmNetwork("bridge", List.of(nic));
    }

    /** The VM with these cards; as at create, only a direct-kernel boot gets the network words. */
    static VmRecord withNetwork(VmRecord vm, VmNetwork network) {
        return new VmRecord(
                vm.id(),
                vm.name(),
                vm.state(),
                vm.spec(),
                vm.image(),
                vm.boot().bootsKernel() ? vm.boot().withCmdline(network.kernelWords(vm.name())) : vm.boot(),
                vm.disks(),
                vm.created(),
                vm.started(),
                vm.pid(),
                vm.error(),
                network);
    }

    static VmRecord record(VmSpec spec, BootSpec boot, List<Disk> disks) {
        return new VmRecord(
                ID,
                spec.name(),
                VmState.CREATED,
                spec,
                new VmRecord.ImageRef("oci", "example/web:1", "sha256:9a1b"),
                boot,
                disks,
                Instant.parse("2026-11-26T10:00:00Z"),
                null,
                0,
                null,
                null);
    }
}
