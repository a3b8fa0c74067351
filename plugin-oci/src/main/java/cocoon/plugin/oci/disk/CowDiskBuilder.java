package cocoon.plugin.oci.disk;

import cocoon.api.Availability;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.Processes;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A VM's writable layer for an OCI image: a sparse raw file, formatted ext4 by the host, on top of
 * the image's read-only EROFS layers. The guest hook finds every disk by its serial.
 */
public final class CowDiskBuilder implements DiskBuilder {

    public static final String COW_SERIAL = "cocoon-cow";
    static final String COW_FILE = "cow.raw";
    /** Below this mkfs.ext4 cannot lay out a usable file system with a journal. */
    static final long MIN_BYTES = 16L << 20;
    /** Where build puts what mkfs.ext4 copies onto the disk, removed once it has. */
    private static final String SEED_DIR = "cow-seed";

    /**
     * Read-only disks a VM may stack: an image has at most 16 (the pull merges the rest), and q35 took 29 virtio-blk
     * disks in all; 24 leaves a kernel image 8 below the image's, and slots for the COW disk and NICs.
     */
    static final int MAX_STACKED = 24;

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Processes processes;
    private final Duration formatTimeout;

    public CowDiskBuilder(Processes processes, Duration formatTimeout) {
        this.processes = processes;
        this.formatTimeout = formatTimeout;
    }

    @Override
    public VmDisks plan(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        requireRoom(image);
        List<Disk> disks = new ArrayList<>(image.baseDisks());
        disks.add(new Disk(vmDir.resolve(COW_FILE), DiskFormat.RAW, false, COW_SERIAL, null));
        // boot=cocoon has an initramfs-tools initrd run the image's scripts/cocoon instead of looking for root=.
        return new VmDisks(
                disks,
                "cocoon.layers=" + topFirstSerials(image.baseDisks()) + " cocoon.cow=" + COW_SERIAL + " boot=cocoon");
    }

    /** Only an image stacked on a kernel image can have more disks than {@link #MAX_STACKED}. */
    private static void requireRoom(Image image) {
        if (image.baseDisks().size() > MAX_STACKED) {
            throw new InvalidInputException(
                    "image " + image.reference() + " with its kernel image stacks "
                            + image.baseDisks().size() + " read-only disks, more than the " + MAX_STACKED
                            + " a VM has room for",
                    "use a kernel image of fewer layers (guest/build-kernel-image.sh makes one of one layer)");
        }
    }

    @Override
    public VmDisks build(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        requireRoom(image);
        if (spec.storageBytes() < MIN_BYTES) {
            throw new InvalidInputException(
                    "storage of " + spec.storageBytes() + " bytes is too small for the VM's writable disk",
                    "give at least " + (MIN_BYTES >> 20) + "M of storage");
        }
        Path cow = vmDir.resolve(COW_FILE);
        createSparse(cow, spec.storageBytes());
        Path seed = vmDir.resolve(SEED_DIR);
        try {
            List<String> mkfs = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
            if (spec.command() != null) {
                writeCommand(seed, spec);
                mkfs.addAll(List.of("-d", seed.toString()));
            }
            mkfs.add(cow.toString());
            processes.run(mkfs, formatTimeout);
        } catch (RuntimeException e) {
            deleteQuietly(cow);
            throw e;
        } finally {
            deleteQuietly(seed.resolve(CommandFile.NAME));
            deleteQuietly(seed);
        }
        return plan(image, spec, network, vmDir);
    }

    /** The folder {@code mkfs.ext4 -d} copies onto the new file system's root: the command file. */
    private static void writeCommand(Path seed, VmSpec spec) {
        try {
            Files.createDirectories(seed);
            // The environment may hold secrets: owner-only from the start, here and on the disk (-d keeps the mode).
            Path file =
                    Files.createFile(seed.resolve(CommandFile.NAME), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(file, CommandFile.render(spec.name(), spec.command()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write the command of VM " + spec.name() + " under " + seed + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    /**
     * The exit status the guest wrote at the root of the COW disk when the VM's command exited, read with
     * {@code debugfs} (no mount); empty when the command has not exited since the VM last started, or the VM runs
     * no command. Only meaningful once the VM has stopped: the guest unmounts the disk before it powers off.
     */
    @Override
    public OptionalInt exitStatus(List<Disk> disks) {
        for (Disk disk : disks) {
            if (!disk.readOnly() && COW_SERIAL.equals(disk.serial()) && Files.isRegularFile(disk.path())) {
                Processes.Result read = processes.runAllowingFailure(
                        List.of(
                                "debugfs",
                                "-R",
                                "cat /" + CommandFile.EXIT_STATUS,
                                disk.path().toString()),
                        formatTimeout);
                String text = read.stdout().strip();
                if (read.exitCode() == 0 && text.matches("[0-9]{1,3}")) {
                    return OptionalInt.of(Integer.parseInt(text));
                }
            }
        }
        return OptionalInt.empty();
    }

    private static String topFirstSerials(List<Disk> baseDisks) {
        List<Disk> topFirst = new ArrayList<>(baseDisks);
        Collections.reverse(topFirst);
        return topFirst.stream().map(Disk::serial).collect(Collectors.joining(","));
    }

    private static void createSparse(Path cow, long bytes) {
        try {
            Files.createDirectories(cow.getParent());
            // The guest's data: 0600 from the start, whatever the umask of whoever runs cocoon.
            Files.createFile(cow, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.setPosixFilePermissions(cow, OWNER_ONLY);
            try (RandomAccessFile file = new RandomAccessFile(cow.toFile(), "rw")) {
                file.setLength(bytes);
            }
        } catch (FileAlreadyExistsException e) {
            throw new ConflictException(
                    "the VM folder already has a writable disk: " + cow, "remove the VM first (cocoon rm)");
        } catch (IOException e) {
            deleteQuietly(cow);
            throw new CocoonException(
                    "cannot create " + cow + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    @Override
    public void remove(List<Disk> disks) {
        for (Disk disk : disks) {
            if (!disk.readOnly() && COW_SERIAL.equals(disk.serial())) {
                try {
                    Files.deleteIfExists(disk.path());
                } catch (IOException e) {
                    throw new CocoonException(
                            "cannot remove " + disk.path() + ": " + e.getMessage(), "remove it by hand");
                }
            }
        }
    }

    @Override
    public Availability check() {
        return processes
                .which("mkfs.ext4")
                .map(found -> Availability.ok("mkfs.ext4 found at " + found))
                .orElseGet(() -> Availability.missing("missing mkfs.ext4 (apt-get install e2fsprogs)"));
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // The VM folder is removed as a whole when the create fails.
        }
    }
}
