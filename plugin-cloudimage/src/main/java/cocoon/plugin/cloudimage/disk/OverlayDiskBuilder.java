package cocoon.plugin.cloudimage.disk;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.Processes;
import cocoon.api.ToolException;
import cocoon.api.Uninterruptible;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import cocoon.plugin.cloudimage.CloudImageSourceProvider;
import cocoon.plugin.cloudimage.StorageException;
import cocoon.plugin.cloudimage.qemu.Qcow2Header;
import cocoon.plugin.cloudimage.qemu.QemuImg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A cloud image VM's disks: {@code overlay.qcow2} backed by the shared base (every write lands in
 * the overlay) and {@code cidata.img}, the NoCloud seed cloud-init reads its login and network from.
 */
final class OverlayDiskBuilder implements DiskBuilder {

    static final String OVERLAY = "overlay.qcow2";
    static final String SEED = "cidata.img";
    private static final Set<String> OWN_FILES = Set.of(OVERLAY, SEED);

    /** The programs the disks are made with (the overlay by qemu-img, the seed by the others) and their packages. */
    private static final List<Map.Entry<String, String>> TOOLS = List.of(
            Map.entry("qemu-img", "qemu-utils"), Map.entry("mkfs.vfat", "dosfstools"), Map.entry("mcopy", "mtools"));

    private final Processes processes;
    private final QemuImg qemuImg;
    private final SeedDisk seedDisk;

    OverlayDiskBuilder(Processes processes, Duration overlayTimeout, Duration seedTimeout) {
        this.processes = processes;
        this.qemuImg = new QemuImg(processes, overlayTimeout);
        this.seedDisk = new SeedDisk(processes, seedTimeout);
    }

    @Override
    public VmDisks plan(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        Path base = base(image);
        return new VmDisks(
                List.of(
                        new Disk(vmDir.resolve(OVERLAY), DiskFormat.QCOW2, false, "cocoon-root", base),
                        new Disk(vmDir.resolve(SEED), DiskFormat.RAW, true, "cidata", null)),
                "");
    }

    private static Path base(Image image) {
        if (!CloudImageSourceProvider.KIND.equals(image.kind())
                || image.baseDisks().size() != 1) {
            throw new InvalidInputException(
                    "image " + image.reference() + " is not a cloud image with one base disk",
                    "create the VM from an image pulled by URL");
        }
        return image.baseDisks().get(0).path();
    }

    @Override
    public VmDisks build(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        Path base = base(image);
        Path overlay = vmDir.resolve(OVERLAY);
        Path seed = vmDir.resolve(SEED);
        if (Files.exists(overlay) || Files.exists(seed)) {
            throw new ConflictException(vmDir + " already has disks", "remove the VM first or pick another name");
        }
        CloudConfig config = new CloudConfig(instanceId(vmDir), spec.name(), spec.cloudInit(), network);
        try {
            Files.createDirectories(vmDir);
            long size = Math.max(spec.storageBytes(), Qcow2Header.virtualSize(base));
            // qemu-img keeps the mode of a file that exists; made here, the disk is 0600 whatever the umask.
            OwnerOnlyFile.create(overlay);
            // The two disks are independent: qemu-img writes the overlay while mkfs.vfat and mcopy make the seed.
            FutureTask<Void> overlayTask = new FutureTask<>(() -> createOverlay(base, overlay, size, vmDir), null);
            Thread.startVirtualThread(overlayTask);
            try {
                seedDisk.write(seed, config);
            } finally {
                await(overlayTask);
            }
        } catch (IOException e) {
            deleteAll(List.of(overlay, seed));
            throw StorageException.of(
                    "cannot create the disks in", vmDir, e, "check permissions and free space under the root dir");
        } catch (RuntimeException e) {
            deleteAll(List.of(overlay, seed));
            throw e;
        }
        return plan(image, spec, network, vmDir);
    }

    private void createOverlay(Path base, Path overlay, long size, Path vmDir) {
        try {
            qemuImg.createOverlay(base, overlay, size);
        } catch (ToolException e) {
            throw StorageException.of(e, vmDir);
        }
    }

    /** Waits for the task even when interrupted, so no file is deleted while it may still be written. */
    private static void await(FutureTask<Void> task) {
        try {
            Uninterruptible.get(task);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A booting clone gets a seed of its own: the instance id of its own folder, its name as host name and its cards.
     * cloud-init sees the new instance id and runs again as on a first boot: it writes the new host name and network,
     * and renews the machine id and the SSH host keys, which the copied overlay holds as the source left them.
     */
    @Override
    public List<Disk> forClone(List<Disk> copied, VmSpec spec, VmNetwork network, Path vmDir, boolean boots) {
        repointOverlays(copied, vmDir);
        if (!boots) {
            return copied;
        }
        Path seed = vmDir.resolve(SEED);
        List<Disk> disks = new ArrayList<>();
        try {
            for (Disk disk : copied) {
                if (!disk.path().getFileName().toString().equals(SEED)) {
                    disks.add(disk);
                    continue;
                }
                Files.deleteIfExists(seed);
                seedDisk.write(seed, new CloudConfig(instanceId(vmDir), spec.name(), spec.cloudInit(), network));
                disks.add(new Disk(seed, disk.format(), true, disk.serial(), null));
            }
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot write the cloud-init seed in",
                    vmDir,
                    e,
                    "check permissions and free space under the root dir");
        }
        return disks;
    }

    /**
     * A copied overlay's header names the base by the path it had where the snapshot was saved; an import under
     * another root dir finds the same base elsewhere, and the record's backing file is where it is here.
     */
    private void repointOverlays(List<Disk> copied, Path vmDir) {
        for (Disk disk : copied) {
            if (disk.format() != DiskFormat.QCOW2 || disk.backingFile() == null || disk.readOnly()) {
                continue;
            }
            try {
                if (!Qcow2Header.backingFile(disk.path())
                        .equals(Optional.of(disk.backingFile().toString()))) {
                    qemuImg.repointOverlay(disk.path(), disk.backingFile());
                }
            } catch (IOException e) {
                throw StorageException.of(
                        "cannot read the overlay header in", vmDir, e, "remove the clone and clone again");
            } catch (ToolException e) {
                throw StorageException.of(e, vmDir);
            }
        }
    }

    @Override
    public void remove(List<Disk> disks) {
        deleteAll(disks.stream()
                .map(Disk::path)
                .filter(path -> OWN_FILES.contains(path.getFileName().toString()))
                .toList());
    }

    @Override
    public Availability check() {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> tool : TOOLS) {
            if (processes.which(tool.getKey()).isEmpty()) {
                missing.add(tool.getKey() + " (apt-get install " + tool.getValue() + ")");
            }
        }
        return missing.isEmpty()
                ? Availability.ok("qemu-img, mkfs.vfat and mcopy found")
                : Availability.missing("missing " + String.join(", ", missing));
    }

    /** The VM's folder is named by its id, which stays the same for the VM's whole life. */
    private static String instanceId(Path vmDir) {
        return "cocoon-" + vmDir.toAbsolutePath().normalize().getFileName();
    }

    private static void deleteAll(List<Path> files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw StorageException.of("cannot remove", file, e, "remove it by hand, then run cocoon gc");
            }
        }
    }
}
