package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.SettingValues;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import cocoon.plugin.oci.disk.CommandFile;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CowDiskBuilderTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path root;

    private DiskBuilder builder() {
        OciDiskBuilderProvider provider = new OciDiskBuilderProvider();
        return provider.open(Contexts.of(
                LockScope.diskBuilder("oci"),
                root,
                root.resolve("run"),
                root.resolve("log"),
                SettingValues.defaults(provider.settings())));
    }

    private Image image() {
        Disk bottom = new Disk(root.resolve("a.erofs"), DiskFormat.RAW, true, "aaaaaaaaaaaaaaaaaaaa", null);
        Disk top = new Disk(root.resolve("b.erofs"), DiskFormat.RAW, true, "bbbbbbbbbbbbbbbbbbbb", null);
        return new Image(
                "oci",
                "localhost:5000/img:1",
                "sha256:" + "c".repeat(64),
                0,
                Instant.now(),
                BootSpec.firmware(),
                List.of(bottom, top));
    }

    private static VmSpec spec(long storage) {
        return new VmSpec("vm", 1, 512L << 20, storage, "qemu", Map.of(), null);
    }

    @Test
    void theCowDiskIsReadableByItsOwnerOnly() throws Exception {
        Path vmDir = root.resolve("vms/2");
        builder().build(image(), spec(GIB), VmNetwork.none(), vmDir);

        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir.resolve("cow.raw"))));
    }

    @Test
    void aKernelImageStackingMoreThanTwentyFourDisksIsRefusedBeforeAnyDiskIsMade() {
        Image image = image();
        Image kernel = new Image(
                "oci",
                "localhost:5000/kernel:1",
                "sha256:" + "d".repeat(64),
                0,
                Instant.now(),
                BootSpec.kernel(root.resolve("vmlinuz"), null, ""),
                Collections.nCopies(23, image.baseDisks().get(0)));
        Path vmDir = root.resolve("vms/3");

        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> builder().build(image.withKernel(kernel), spec(GIB), VmNetwork.none(), vmDir));

        assertEquals(
                "image localhost:5000/img:1 with its kernel image stacks 25 read-only disks, more than the 24 a VM has"
                        + " room for",
                refused.getMessage());
        assertFalse(Files.exists(vmDir.resolve("cow.raw")));
    }

    @Test
    void doctorHearsWhetherMkfsExt4IsInstalled() {
        var availability = builder().check();
        assertTrue(availability.usable(), availability.detail());
        assertTrue(availability.detail().startsWith("mkfs.ext4 found at /"), availability.detail());
    }

    @Test
    void buildsASparseExt4CowDiskOverTheLayers() throws Exception {
        Path vmDir = root.resolve("vms/1");
        Image image = image();

        VmDisks disks = builder().build(image, spec(2 * GIB), VmNetwork.none(), vmDir);

        Path cow = vmDir.resolve("cow.raw");
        List<Disk> expected = List.of(
                image.baseDisks().get(0),
                image.baseDisks().get(1),
                new Disk(cow, DiskFormat.RAW, false, "cocoon-cow", null));
        assertEquals(expected, disks.disks());
        assertEquals(
                "cocoon.layers=bbbbbbbbbbbbbbbbbbbb,aaaaaaaaaaaaaaaaaaaa cocoon.cow=cocoon-cow boot=cocoon",
                disks.cmdline());
        assertEquals(2 * GIB, Files.size(cow));
        Process stat = new ProcessBuilder("stat", "-c", "%b", cow.toString()).start();
        long allocated =
                Long.parseLong(new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()) * 512;
        assertTrue(allocated < 256L << 20, "sparse: only " + allocated + " bytes allocated");
        Process fsck = new ProcessBuilder("e2fsck", "-f", "-n", cow.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fsck.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fsck.exitValue(), output);

        assertThrows(ConflictException.class, () -> builder().build(image, spec(GIB), VmNetwork.none(), vmDir));

        builder().remove(disks.disks());
        assertFalse(Files.exists(cow));
    }

    @Test
    void removeNeverTouchesTheSharedLayers() throws Exception {
        Files.writeString(root.resolve("a.erofs"), "layer");
        builder().remove(image().baseDisks());
        assertTrue(Files.exists(root.resolve("a.erofs")));
    }

    @Test
    void aTinyStorageSizeIsRefused() {
        assertThrows(
                InvalidInputException.class,
                () -> builder().build(image(), spec(1 << 20), VmNetwork.none(), root.resolve("vms/2")));
        assertFalse(Files.exists(root.resolve("vms/2/cow.raw")));
    }

    @Test
    void aVmWithACommandGetsItsCommandFileBesideTheOverlayAndItsExitStatusIsReadBack() throws Exception {
        Path vmDir = root.resolve("vms/3");
        VmSpec.Command command =
                new VmSpec.Command(List.of("/bin/sh", "-c", "exit 3"), List.of("PATH=/bin"), "/", null);
        VmSpec spec = new VmSpec("cmd", 1, 512L << 20, GIB, "qemu", Map.of(), null, command);
        DiskBuilder builder = builder();

        VmDisks disks = builder.build(image(), spec, VmNetwork.none(), vmDir);

        Path cow = vmDir.resolve("cow.raw");
        assertEquals(CommandFile.render("cmd", command), debugfs(cow, "cat /command"));
        assertEquals(List.of("cow.raw"), List.of(vmDir.toFile().list()), "the seed folder is gone");
        assertTrue(builder.exitStatus(disks.disks()).isEmpty(), "no status before the command ran");

        Path status = root.resolve("status");
        Files.writeString(status, "3\n");
        debugfs(cow, "-w", "write " + status + " exit-status");
        assertEquals(OptionalInt.of(3), builder.exitStatus(disks.disks()));
    }

    private static String debugfs(Path disk, String... request) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("debugfs"));
        List<String> words = new java.util.ArrayList<>(List.of(request));
        if (words.getFirst().equals("-w")) {
            argv.add(words.removeFirst());
        }
        argv.addAll(List.of("-R", words.getFirst(), disk.toString()));
        Process process = new ProcessBuilder(argv)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return out;
    }
}
