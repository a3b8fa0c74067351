package cocoon.plugin.chv;

import static cocoon.plugin.chv.VmFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.HypervisorException;
import cocoon.api.Nic;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import cocoon.plugin.chv.cli.ChvCommand;
import cocoon.plugin.chv.cli.ChvVersion;
import cocoon.plugin.chv.cli.VmFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChvCommandTest {

    private static final Path ROOT = Path.of("/srv/cocoon");
    private static final Path FIRMWARE = Path.of("/usr/share/cloud-hypervisor/CLOUDHV.fd");

    private static List<String> render(VmRecord vm, ChvVersion version) {
        return ChvCommand.render("cloud-hypervisor", vm, VmFiles.of(VmFixtures.paths(ROOT)), FIRMWARE, version);
    }

    @Test
    void ociImageWithTwoLayersBootsTheKernelWithLayersReadOnlyAndTheCowDiskWritable() {
        String blobs = "/srv/cocoon/lib/images/oci/blobs/sha256/";
        assertEquals(
                List.of(
                        "cloud-hypervisor",
                        "--api-socket",
                        "path=/srv/cocoon/run/0f3c9a2b7d41/api.sock",
                        "--event-monitor",
                        "path=/srv/cocoon/run/0f3c9a2b7d41/events.json",
                        "--cpus",
                        "boot=2",
                        "--memory",
                        "size=1G",
                        "--kernel",
                        "/srv/cocoon/lib/images/oci/boot/9a1b2c3d4e5f/vmlinuz",
                        "--initramfs",
                        "/srv/cocoon/lib/images/oci/boot/9a1b2c3d4e5f/initrd",
                        "--cmdline",
                        "quiet cocoon.layers=3333bbbb4444,1111aaaa2222 cocoon.cow=cocoon-cow console=hvc0",
                        "--disk",
                        "path=" + blobs + "1111aaaa2222.erofs,readonly=on,image_type=raw,serial=1111aaaa2222",
                        "path=" + blobs + "3333bbbb4444.erofs,readonly=on,image_type=raw,serial=3333bbbb4444",
                        "path=/srv/cocoon/lib/vms/0f3c9a2b7d41/cow.raw,image_type=raw,serial=cocoon-cow",
                        "--rng",
                        "src=/dev/urandom",
                        "--balloon",
                        "size=0,deflate_on_oom=on",
                        "--watchdog",
                        "--serial",
                        "file=/srv/cocoon/log/0f3c9a2b7d41/serial.log",
                        "--console",
                        "pty"),
                render(VmFixtures.ociVm(ROOT, 1024 * MIB), ChvVersion.CURRENT));
    }

    @Test
    void cloudImageBootsUefiFirmwareFromAQcow2OverlayThatMayOpenItsBackingFile() {
        assertEquals(
                List.of(
                        "cloud-hypervisor",
                        "--api-socket",
                        "path=/srv/cocoon/run/0f3c9a2b7d41/api.sock",
                        "--event-monitor",
                        "path=/srv/cocoon/run/0f3c9a2b7d41/events.json",
                        "--cpus",
                        "boot=2",
                        "--memory",
                        "size=2G",
                        "--firmware",
                        "/usr/share/cloud-hypervisor/CLOUDHV.fd",
                        "--disk",
                        "path=/srv/cocoon/lib/vms/0f3c9a2b7d41/overlay.qcow2,image_type=qcow2,backing_files=on,serial=cocoon-root",
                        "path=/srv/cocoon/lib/vms/0f3c9a2b7d41/cidata.img,readonly=on,image_type=raw,serial=cidata",
                        "--rng",
                        "src=/dev/urandom",
                        "--balloon",
                        "size=0,deflate_on_oom=on",
                        "--watchdog",
                        "--serial",
                        "pty",
                        "--console",
                        "off"),
                render(VmFixtures.cloudVm(ROOT, 2048 * MIB), ChvVersion.CURRENT));
    }

    @Test
    void aBackingBaseListedAmongTheDisksIsNotAttachedASecondTime() {
        VmRecord cloud = VmFixtures.cloudVm(ROOT, 512 * MIB);
        List<Disk> disks = new ArrayList<>(cloud.disks());
        Path base = disks.get(0).backingFile();
        disks.add(0, new Disk(base, DiskFormat.QCOW2, true, null, null));
        List<String> argv = render(VmFixtures.record(cloud.spec(), cloud.boot(), disks), ChvVersion.CURRENT);
        assertTrue(argv.stream().noneMatch(arg -> arg.startsWith("path=" + base)), String.join(" ", argv));
        assertEquals(
                2,
                argv.stream()
                        .filter(arg -> arg.startsWith("path=/srv/cocoon/lib/vms/"))
                        .count());
    }

    @Test
    void aGuestBelow256MiBGetsNoBalloonAndOneAtTheThresholdDoes() {
        List<String> small = render(VmFixtures.ociVm(ROOT, 255 * MIB), ChvVersion.CURRENT);
        assertFalse(small.contains("--balloon"));
        assertEquals("size=255M", small.get(small.indexOf("--memory") + 1));

        List<String> threshold = render(VmFixtures.ociVm(ROOT, 256 * MIB), ChvVersion.CURRENT);
        assertEquals("size=0,deflate_on_oom=on", threshold.get(threshold.indexOf("--balloon") + 1));
        assertEquals("size=256M", threshold.get(threshold.indexOf("--memory") + 1));
    }

    @Test
    void releasesBeforeV50Point1GetNoImageTypeOrBackingFilesKeysTheyWouldReject() {
        List<String> argv = render(VmFixtures.cloudVm(ROOT, 2048 * MIB), new ChvVersion(45, 0, 0));
        assertTrue(
                argv.contains("path=/srv/cocoon/lib/vms/0f3c9a2b7d41/overlay.qcow2,serial=cocoon-root"),
                String.join(" ", argv));
        assertTrue(argv.stream().noneMatch(arg -> arg.contains("image_type") || arg.contains("backing_files")));
    }

    @Test
    void aPathWithACommaIsRefusedBecauseTheOptionSyntaxCannotCarryIt() {
        HypervisorException error = assertThrows(
                HypervisorException.class,
                () -> ChvCommand.render(
                        "cloud-hypervisor",
                        VmFixtures.ociVm(ROOT, 512 * MIB),
                        new VmFiles(Path.of("/run/a,b"), Path.of("/log")),
                        FIRMWARE,
                        ChvVersion.CURRENT));
        assertTrue(error.getMessage().contains("/run/a,b"), error.getMessage());
    }

    @Test
    void aBridgeVmGetsOneNetValueWithItsTapAndMacAndTheNetworkWordsOnItsKernelCommandLine() {
        List<String> argv = render(VmFixtures.bridgedOciVm(ROOT, 512 * MIB), ChvVersion.CURRENT);

        int net = argv.indexOf("--net");
        assertEquals(
                List.of(
                        "path=/srv/cocoon/lib/vms/0f3c9a2b7d41/cow.raw,image_type=raw,serial=cocoon-cow",
                        "--net",
                        "tap=ck0f3c9a2b7d41,mac=52:54:00:0f:3c:9a",
                        "--rng"),
                argv.subList(net - 1, net + 3),
                String.join(" ", argv));
        assertEquals(
                "quiet cocoon.layers=3333bbbb4444,1111aaaa2222 cocoon.cow=cocoon-cow cocoon.hostname=web"
                        + " cocoon.net=52:54:00:0f:3c:9a,192.0.2.2/24,192.0.2.1,192.0.2.53 console=hvc0",
                argv.get(argv.indexOf("--cmdline") + 1));
    }

    @Test
    void aVmWithNetworkNoneGetsNoNetOptionAndNoNetworkWords() {
        VmRecord none = VmFixtures.withNetwork(VmFixtures.ociVm(ROOT, 512 * MIB), VmNetwork.none());

        List<String> argv = render(none, ChvVersion.CURRENT);

        assertFalse(argv.contains("--net"), String.join(" ", argv));
        assertFalse(argv.get(argv.indexOf("--cmdline") + 1).contains("cocoon.net="), String.join(" ", argv));
    }

    @Test
    void aUserModeCardIsRefusedNamingBridgeAndQemu() {
        Nic user = new Nic(
                Nic.Backend.USER, VmFixtures.MAC, "10.0.2.15", 24, "10.0.2.2", List.of("10.0.2.3"), List.of(), "");
        VmRecord vm = VmFixtures.withNetwork(VmFixtures.ociVm(ROOT, 512 * MIB), new VmNetwork("user", List.of(user)));

        HypervisorException error = assertThrows(HypervisorException.class, () -> render(vm, ChvVersion.CURRENT));

        assertEquals("VM web has a user-mode network card, which Cloud Hypervisor does not have", error.getMessage());
        assertEquals("recreate it with --network bridge, or with --hypervisor qemu", error.hint());
    }
}
