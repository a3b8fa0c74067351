package cocoon.plugin.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {

    private static final QemuSettings SETTINGS = new QemuSettings(TestVms.settings(Map.of()));
    private static final Acceleration TCG = Acceleration.choose(Acceleration.Mode.TCG, KvmHost.system());
    private static final VmPaths PATHS =
            new VmPaths(Path.of("/var/lib/cocoon/vms/abc"), Path.of("/run/cocoon/abc"), Path.of("/var/log/cocoon/abc"));

    private static final List<String> COMMON = List.of(
            "qemu-system-x86_64",
            "-name",
            "web",
            "-machine",
            "q35,accel=tcg",
            "-cpu",
            "max",
            "-m",
            "512M",
            "-smp",
            "1",
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-pidfile",
            "/run/cocoon/abc/pid",
            "-qmp",
            "unix:/run/cocoon/abc/qmp.sock,server=on,wait=off",
            "-chardev",
            "socket,id=con0,path=/run/cocoon/abc/console.sock,server=on,wait=off,"
                    + "logfile=/var/log/cocoon/abc/console.log,logappend=on",
            "-serial",
            "chardev:con0",
            "-device",
            "virtio-rng-pci",
            "-device",
            "vmgenid,id=vmgenid0");

    @Test
    void aUserModeCardForwardsEachPublishedPortAndCarriesTheRecordedMac() {
        Nic nic = new Nic(
                Nic.Backend.USER,
                "52:54:00:0a:0b:0c",
                "10.0.2.15",
                24,
                "10.0.2.2",
                List.of("10.0.2.3"),
                List.of(PublishedPort.parse("8080:80"), PublishedPort.parse("0.0.0.0:5353:53/udp")),
                "");
        VmRecord vm = withNetwork(
                TestVms.record("web", "tcg", 512, BootSpec.firmware(), List.of()), new VmNetwork("user", List.of(nic)));

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, vm, PATHS);

        assertEquals(
                List.of(
                        "-netdev",
                        "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53",
                        "-device",
                        "virtio-net-pci,netdev=net0,mac=52:54:00:0a:0b:0c"),
                argv.subList(argv.indexOf("-netdev"), argv.indexOf("-netdev") + 4));
    }

    @Test
    void aTapCardJoinsTheNetworksDeviceWithoutQemusIfupScripts() {
        Nic nic = new Nic(
                Nic.Backend.TAP,
                "52:54:00:0a:0b:0c",
                "198.51.100.2",
                24,
                "198.51.100.1",
                List.of(),
                List.of(),
                "ck0a0b0c0d0e0f");
        VmRecord vm = withNetwork(
                TestVms.record("web", "tcg", 512, BootSpec.firmware(), List.of()),
                new VmNetwork("bridge", List.of(nic)));

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, vm, PATHS);

        assertEquals(
                List.of(
                        "-netdev",
                        "tap,id=net0,ifname=ck0a0b0c0d0e0f,script=no,downscript=no",
                        "-device",
                        "virtio-net-pci,netdev=net0,mac=52:54:00:0a:0b:0c"),
                argv.subList(argv.indexOf("-netdev"), argv.indexOf("-netdev") + 4));
    }

    @Test
    void aVmWithoutNetworkHasNoCardAtAll() {
        VmRecord vm = TestVms.record("web", "tcg", 512, BootSpec.firmware(), List.of());

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, vm, PATHS);

        assertFalse(argv.contains("-netdev"), argv.toString());
        assertFalse(argv.stream().anyMatch(word -> word.startsWith("virtio-net")), argv.toString());
    }

    private static VmRecord withNetwork(VmRecord vm, VmNetwork network) {
        return new VmRecord(
                vm.id(),
                vm.name(),
                vm.state(),
                vm.spec(),
                vm.image(),
                vm.boot(),
                vm.disks(),
                vm.created(),
                vm.started(),
                vm.pid(),
                vm.error(),
                network);
    }

    @Test
    void kernelBootAttachesReadOnlyLayersThenTheCowDiskAndPutsTheConsoleOnTheSerialPort() {
        BootSpec boot = BootSpec.kernel(
                Path.of("/img/boot/vmlinuz"),
                Path.of("/img/boot/initrd"),
                "cocoon.layers=sha256-bbbb,sha256-aaaa cocoon.cow=cocoon-cow");
        List<Disk> disks = List.of(
                new Disk(Path.of("/img/blobs/aaaa.erofs"), DiskFormat.RAW, true, "sha256-aaaa", null),
                new Disk(Path.of("/img/blobs/bbbb.erofs"), DiskFormat.RAW, true, "sha256-bbbb", null),
                new Disk(Path.of("/var/lib/cocoon/vms/abc/cow.raw"), DiskFormat.RAW, false, "cocoon-cow", null));
        VmRecord vm = TestVms.record("web", "tcg", 512, boot, disks);

        List<String> expected = concat(
                COMMON,
                List.of(
                        "-kernel", "/img/boot/vmlinuz",
                        "-initrd", "/img/boot/initrd",
                        "-append", "cocoon.layers=sha256-bbbb,sha256-aaaa cocoon.cow=cocoon-cow console=ttyS0",
                        "-drive", "if=none,id=disk0,file=/img/blobs/aaaa.erofs,format=raw,readonly=on",
                        "-device", "virtio-blk-pci,drive=disk0,serial=sha256-aaaa",
                        "-drive", "if=none,id=disk1,file=/img/blobs/bbbb.erofs,format=raw,readonly=on",
                        "-device", "virtio-blk-pci,drive=disk1,serial=sha256-bbbb",
                        "-drive", "if=none,id=disk2,file=/var/lib/cocoon/vms/abc/cow.raw,format=raw",
                        "-device", "virtio-blk-pci,drive=disk2,serial=cocoon-cow"));
        assertEquals(expected, QemuCommandLine.render(SETTINGS, TCG, vm, PATHS));
    }

    @Test
    void uefiBootUsesReadOnlyFirmwareCodeAndThePerVmVariableStoreAndAttachesOverlayAndSeed() {
        List<Disk> disks = List.of(
                new Disk(
                        Path.of("/var/lib/cocoon/vms/abc/overlay.qcow2"),
                        DiskFormat.QCOW2,
                        false,
                        null,
                        Path.of("/img/cloudimg/blobs/cafe.qcow2")),
                new Disk(Path.of("/var/lib/cocoon/vms/abc/cidata.img"), DiskFormat.RAW, true, "cidata", null));
        VmRecord vm = TestVms.record("web", "tcg", 512, BootSpec.firmware(), disks);

        List<String> expected = concat(
                COMMON,
                List.of(
                        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                        "-drive", "if=pflash,format=raw,unit=1,file=/var/lib/cocoon/vms/abc/OVMF_VARS.fd",
                        "-drive", "if=none,id=disk0,file=/var/lib/cocoon/vms/abc/overlay.qcow2,format=qcow2",
                        "-device", "virtio-blk-pci,drive=disk0",
                        "-drive", "if=none,id=disk1,file=/var/lib/cocoon/vms/abc/cidata.img,format=raw,readonly=on",
                        "-device", "virtio-blk-pci,drive=disk1,serial=cidata"));
        assertEquals(expected, QemuCommandLine.render(SETTINGS, TCG, vm, PATHS));
    }

    @Test
    void kvmOnARealHostPassesTheHostCpuThrough() {
        Acceleration kvm = new Acceleration(Acceleration.Accelerator.KVM, "host", true, "using KVM");
        VmRecord vm = TestVms.record("web", "auto", 512, BootSpec.firmware(), List.of());

        List<String> argv = QemuCommandLine.render(SETTINGS, kvm, vm, PATHS);

        assertEquals(List.of("-machine", "q35,accel=kvm", "-cpu", "host"), argv.subList(3, 7));
    }

    @Test
    void theMachineTypePinnedAtCreateIsTheOneQemuRuns() {
        VmRecord base = TestVms.record("web", "tcg", 512, BootSpec.firmware(), List.of());
        VmSpec spec = base.spec();
        VmRecord pinned = new VmRecord(
                base.id(),
                base.name(),
                base.state(),
                new VmSpec(
                        spec.name(),
                        spec.cpus(),
                        spec.memoryBytes(),
                        spec.storageBytes(),
                        spec.hypervisor(),
                        Map.of("accel", "tcg", "machine", "pc-q35-7.2"),
                        null),
                base.image(),
                base.boot(),
                base.disks(),
                base.created(),
                null,
                0,
                null,
                null);

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, pinned, PATHS);

        assertEquals("pc-q35-7.2,accel=tcg", argv.get(argv.indexOf("-machine") + 1));
    }

    @Test
    void aCloneWaitsForItsStateFromCatOfTheFileQuotedForTheShell() {
        List<String> argv = QemuCommandLine.incoming(List.of("qemu-system-x86_64"), Path.of("/snap/it's/memory.state"));

        assertEquals(List.of("qemu-system-x86_64", "-incoming", "exec:cat '/snap/it'\\''s/memory.state'"), argv);
    }

    @Test
    void commasInPathsAndNamesAreDoubledSoQemuDoesNotSplitTheOption() {
        VmPaths odd = new VmPaths(Path.of("/v,m"), Path.of("/r,un"), Path.of("/l,og"));
        List<Disk> disks = List.of(new Disk(Path.of("/d,isk.raw"), DiskFormat.RAW, false, null, null));
        VmRecord vm = TestVms.record("a,b", "tcg", 1, BootSpec.firmware(), disks);

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, vm, odd);

        assertEquals("a,,b", argv.get(argv.indexOf("-name") + 1));
        assertEquals("unix:/r,,un/qmp.sock,server=on,wait=off", argv.get(argv.indexOf("-qmp") + 1));
        assertEquals("if=none,id=disk0,file=/d,,isk.raw,format=raw", argv.get(argv.lastIndexOf("-drive") + 1));
    }

    @Test
    void memoryIsRoundedUpToWholeMebibytesAndAnExistingSerialConsoleIsNotRepeated() {
        BootSpec boot = BootSpec.kernel(Path.of("/k"), null, "quiet console=ttyS0");
        VmRecord vm = new VmRecord(
                "id",
                "web",
                VmState.CREATED,
                new VmSpec("web", 2, 100 * TestVms.MIB + 1, 0, "qemu", Map.of("accel", "tcg"), null),
                null,
                boot,
                List.of(),
                null,
                null,
                0,
                null,
                null);

        List<String> argv = QemuCommandLine.render(SETTINGS, TCG, vm, PATHS);

        assertEquals("101M", argv.get(argv.indexOf("-m") + 1));
        assertEquals("2", argv.get(argv.indexOf("-smp") + 1));
        assertEquals(-1, argv.indexOf("-initrd"));
        assertEquals("quiet console=ttyS0", argv.get(argv.indexOf("-append") + 1));
    }

    @Test
    void aVmWithoutMemoryIsRejected() {
        VmRecord vm = TestVms.record("web", "tcg", 0, BootSpec.firmware(), List.of());

        assertThrows(InvalidInputException.class, () -> QemuCommandLine.render(SETTINGS, TCG, vm, PATHS));
    }

    @Test
    void settingsTakeTheConfiguredValuesAndTheDeclarationsRefuseBadOnes() {
        QemuSettings custom = new QemuSettings(TestVms.settings(
                Map.of("binary", "/opt/qemu/bin/qemu-system-x86_64", "start_timeout", "7s", "accel", "TCG")));
        assertEquals("/opt/qemu/bin/qemu-system-x86_64", custom.binary());
        assertEquals(Duration.ofSeconds(7), custom.startTimeout());
        assertEquals("tcg", custom.accel());

        var soon = assertThrows(InvalidInputException.class, () -> TestVms.settings(Map.of("start_timeout", "soon")));
        assertEquals("config: [qemu] start_timeout = \"soon\" is not valid", soon.getMessage());
        var hvf = assertThrows(InvalidInputException.class, () -> TestVms.settings(Map.of("accel", "hvf")));
        assertEquals("accel takes one of auto|kvm|tcg", hvf.hint());
    }

    private static List<String> concat(List<String> first, List<String> second) {
        return Stream.concat(first.stream(), second.stream()).toList();
    }
}
