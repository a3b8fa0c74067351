package cocoon.plugin.cloudimage.disk;

import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.Processes;
import cocoon.api.VmDisks;
import cocoon.api.VmSpec;
import cocoon.plugin.cloudimage.CloudImageSourceProvider;
import cocoon.plugin.cloudimage.qemu.Qcow2Header;
import cocoon.plugin.cloudimage.qemu.QemuImg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A cloud image VM's disks: {@code overlay.qcow2} backed by the shared base (every write lands in
 * the overlay) and {@code cidata.img}, the NoCloud seed cloud-init reads its login from.
 */
final class OverlayDiskBuilder implements DiskBuilder {

    static final String OVERLAY = "overlay.qcow2";
    static final String SEED = "cidata.img";
    private static final Set<String> OWN_FILES = Set.of(OVERLAY, SEED);

    private final QemuImg qemuImg;
    private final SeedDisk seedDisk;

    OverlayDiskBuilder(Processes processes, Duration overlayTimeout, Duration seedTimeout) {
        this.qemuImg = new QemuImg(processes, overlayTimeout);
        this.seedDisk = new SeedDisk(processes, seedTimeout);
    }

    @Override
    public VmDisks plan(Image image, VmSpec spec, Path vmDir) {
        Path base = base(image);
        return new VmDisks(List.of(
                new Disk(vmDir.resolve(OVERLAY), DiskFormat.QCOW2, false, "cocoon-root", base),
                new Disk(vmDir.resolve(SEED), DiskFormat.RAW, true, "cidata", null)), "");
    }

    private static Path base(Image image) {
        if (!CloudImageSourceProvider.KIND.equals(image.kind()) || image.baseDisks().size() != 1) {
            throw new InvalidInputException("image " + image.reference() + " is not a cloud image with one base disk",
                    "create the VM from an image pulled by URL");
        }
        return image.baseDisks().get(0).path();
    }

    @Override
    public VmDisks build(Image image, VmSpec spec, Path vmDir) {
        Path base = base(image);
        Path overlay = vmDir.resolve(OVERLAY);
        Path seed = vmDir.resolve(SEED);
        if (Files.exists(overlay) || Files.exists(seed)) {
            throw new ConflictException(vmDir + " already has disks", "remove the VM first or pick another name");
        }
        CloudConfig config = new CloudConfig(instanceId(vmDir), spec.name(), spec.cloudInit());
        try {
            Files.createDirectories(vmDir);
            long size = Math.max(spec.storageBytes(), Qcow2Header.virtualSize(base));
            // The two disks are independent: qemu-img writes the overlay while mkfs.vfat and mcopy make the seed.
            FutureTask<Void> overlayTask = new FutureTask<>(() -> qemuImg.createOverlay(base, overlay, size), null);
            Thread.startVirtualThread(overlayTask);
            try {
                seedDisk.write(seed, config);
            } finally {
                await(overlayTask);
            }
        } catch (IOException e) {
            deleteAll(List.of(overlay, seed));
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            deleteAll(List.of(overlay, seed));
            throw e;
        }
        return plan(image, spec, vmDir);
    }

    /** Waits for the task even when interrupted, so no file is deleted while it may still be written. */
    private static void await(FutureTask<Void> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    task.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException cause) {
                        throw cause;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
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

    /** The VM's folder is named by its id, which stays the same for the VM's whole life. */
    private static String instanceId(Path vmDir) {
        return "cocoon-" + vmDir.toAbsolutePath().normalize().getFileName();
    }

    private static void deleteAll(List<Path> files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
