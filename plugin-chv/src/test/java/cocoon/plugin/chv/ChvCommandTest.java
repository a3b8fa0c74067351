package cocoon.plugin.chv;

import static cocoon.plugin.chv.VmFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.HypervisorException;
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
}
