package cocoon.runtime.snapshot;

import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.MachineFacts;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.NotFoundException;
import cocoon.api.Processes;
import cocoon.api.PublishedPort;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.store.Trees;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.vm.Lifecycle;
import cocoon.runtime.vm.VmNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** save, rm, clone and restore: snapshots between VM records, their disks and their hypervisors. */
public final class Snapshots {

    static final String MEMORY_STATE = "memory.state";

    private final VmStore vms;
    private final SnapshotStore snapshots;
    private final Plugins plugins;
    private final Lifecycle lifecycle;
    private final DiskCopy disks;
    private final Consumer<String> progress;

    /** {@code progress} gets a line per step of a save that may take a while. */
    public Snapshots(
            VmStore vms,
            SnapshotStore snapshots,
            Plugins plugins,
            Lifecycle lifecycle,
            Processes processes,
            Consumer<String> progress) {
        this.vms = vms;
        this.snapshots = snapshots;
        this.plugins = plugins;
        this.lifecycle = lifecycle;
        this.disks = new DiskCopy(processes);
        this.progress = progress;
    }

    /**
     * A running VM is paused, its writable disks copied and (unless {@code diskOnly}) its device and memory state
     * saved, then resumed; any other VM gets its disks copied. The record is written last.
     */
    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    public SnapshotRecord save(String vmNameOrId, String name, boolean diskOnly) {
        String vmId = vms.resolve(vmNameOrId).id();
        try (var vmsHeld = vms.locks().shared(VmStore.STORE);
                var vmHeld = vms.locks().exclusive(VmStore.vmLock(vmId));
                var snapshotsHeld = snapshots.locks().shared(SnapshotStore.STORE)) {
            VmRecord vm = vms.read(vmId)
                    .orElseThrow(() -> new NotFoundException(
                            "VM " + vmNameOrId + " was removed meanwhile", "cocoon ps lists the VMs"));
            String id = newId();
            String snapshotName = name != null ? VmNames.validate(name) : vm.name() + "-" + id.substring(0, 6);
            snapshots.requireFree(snapshotName);
            Hypervisor hypervisor = plugins.hypervisor(vm.hypervisor());
            VmPaths paths = vms.paths(vmId);
            boolean running = hypervisor.state(vm, paths) == VmState.RUNNING;
            boolean memory = running && !diskOnly;
            Path folder = snapshots.create(id);
            try {
                List<Disk> copies;
                MachineFacts machine;
                if (running) {
                    progress.accept("pausing VM " + vm.name());
                    hypervisor.pause(vm, paths);
                }
                try {
                    copies = copyDisks(vm, folder);
                    machine = memory ? saveState(hypervisor, vm, paths, folder) : machineOrNone(hypervisor, vm);
                } finally {
                    if (running) {
                        hypervisor.resume(vm, paths);
                        progress.accept("resumed VM " + vm.name());
                    }
                }
                SnapshotRecord record = new SnapshotRecord(
                        id,
                        snapshotName,
                        Instant.now(),
                        vm,
                        copies,
                        memory ? folder.resolve(MEMORY_STATE) : null,
                        machine);
                snapshots.commit(record);
                return record;
            } catch (RuntimeException e) {
                deleteQuietly(folder, e);
                throw e;
            }
        }
    }

    private List<Disk> copyDisks(VmRecord vm, Path folder) {
        List<Disk> copies = new ArrayList<>();
        for (Disk disk : vm.disks()) {
            if (disk.readOnly()) {
                copies.add(disk);
                continue;
            }
            Path copy = folder.resolve(disk.path().getFileName());
            progress.accept("copying disk " + disk.path().getFileName());
            disks.copy(disk.path(), copy);
            copies.add(new Disk(copy, disk.format(), false, disk.serial(), disk.backingFile()));
        }
        return copies;
    }

    private MachineFacts saveState(Hypervisor hypervisor, VmRecord vm, VmPaths paths, Path folder) {
        Path state = folder.resolve(MEMORY_STATE);
        try {
            Files.createFile(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new CocoonException("cannot create " + state + ": " + e.getMessage(), "check free space");
        }
        progress.accept("saving the memory state of VM " + vm.name());
        return hypervisor.saveState(vm, paths, state);
    }

    /** A disk-only snapshot needs no machine to match; a driver that cannot tell its facts records none. */
    private static MachineFacts machineOrNone(Hypervisor hypervisor, VmRecord vm) {
        try {
            return hypervisor.machine(vm);
        } catch (CocoonException cannotTell) {
            return null;
        }
    }

    /** Removes a snapshot; clones made from it keep their own disks. */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public SnapshotRecord remove(String nameOrId) {
        try (var held = snapshots.locks().exclusive(SnapshotStore.STORE)) {
            SnapshotRecord record = snapshots.resolve(nameOrId);
            snapshots.delete(record.id());
            return record;
        }
    }

    /**
     * A new VM from a snapshot, with a new id: a memory snapshot's clone keeps the source's MAC (it travels in the
     * device state) and resumes where the source was; a disk-only snapshot's clone gets a new MAC and address and
     * boots from the copied disks. Unless {@code start} is false it is started at once.
     */
    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    public VmRecord clone(String snapshotNameOrId, String name, List<PublishedPort> published, boolean start) {
        VmNames.validate(name);
        // vms before snapshots, as gc takes them; start takes vms again (a nested shared hold) and the new VM's lock.
        try (var vmsHeld = vms.locks().shared(VmStore.STORE);
                var snapshotsHeld = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord snapshot = snapshots.resolve(snapshotNameOrId);
            VmRecord source = snapshot.vm();
            Hypervisor hypervisor = plugins.hypervisor(source.hypervisor());
            if (snapshot.hasMemory()) {
                refuseBridgedMemory(snapshot);
                requireSameMachine(snapshot, hypervisor.machine(source));
            }
            VmRecord clone = vms.insert(taken -> {
                VmStore.requireFree(name, taken);
                String id = newId();
                VmNetwork network = cloneNetwork(snapshot, id, name, hypervisor, published);
                return cloneRecord(
                        snapshot,
                        id,
                        name,
                        network,
                        copyInto(snapshot, vms.paths(id).vmDir()));
            });
            if (!start) {
                return clone;
            }
            return snapshot.hasMemory()
                    ? lifecycle.resume(clone.id(), snapshot.memoryState())
                    : lifecycle.start(clone.id());
        }
    }

    /** In bridge mode the guest's memory holds the source's address, which no second VM on the bridge may use. */
    private static void refuseBridgedMemory(SnapshotRecord snapshot) {
        if (snapshot.vm().network().nics().stream()
                        .anyMatch(nic -> !nic.device().isEmpty())
                || "bridge".equals(snapshot.vm().network().mode())) {
            throw new ConflictException(
                    "snapshot " + snapshot.name() + " holds the memory of a bridged guest, whose address a clone"
                            + " would share with its source",
                    "take a disk-only snapshot (cocoon snapshot save --disk-only), or use VMs with --network user");
        }
    }

    private static void requireSameMachine(SnapshotRecord snapshot, MachineFacts here) {
        if (snapshot.machine() == null || !snapshot.machine().equals(here)) {
            throw new ConflictException(
                    "snapshot " + snapshot.name() + " was saved on "
                            + (snapshot.machine() == null
                                    ? "an unknown machine"
                                    : snapshot.machine().describe())
                            + " but would load on " + here.describe(),
                    "load it where the hypervisor matches, or use a disk-only snapshot");
        }
    }

    private VmNetwork cloneNetwork(
            SnapshotRecord snapshot, String id, String name, Hypervisor hypervisor, List<PublishedPort> published) {
        VmNetwork source = snapshot.vm().network();
        if (source.nics().isEmpty()) {
            if (!published.isEmpty()) {
                throw new InvalidInputException(
                        "--publish needs a network card, and snapshot " + snapshot.name() + " is of a VM without one",
                        "drop --publish");
            }
            return VmNetwork.none();
        }
        Network network = plugins.network(source.mode());
        if (!snapshot.hasMemory()) {
            return network.reserve(new Network.Request(id, name, hypervisor, published));
        }
        // The MAC and address live in the saved device state and guest memory: the cards stay, ports are the clone's.
        List<Nic> nics = new ArrayList<>();
        for (Nic nic : source.nics()) {
            nics.add(new Nic(
                    nic.backend(),
                    nic.mac(),
                    nic.address(),
                    nic.prefix(),
                    nic.gateway(),
                    nic.dns(),
                    nics.isEmpty() ? published : List.of(),
                    ""));
        }
        return new VmNetwork(source.mode(), nics);
    }

    /** The snapshot's writable disks copied into the new VM's folder; on failure the folder goes. */
    private List<Disk> copyInto(SnapshotRecord snapshot, Path vmDir) {
        try {
            Files.createDirectories(vmDir);
            List<Disk> copies = new ArrayList<>();
            for (Disk disk : snapshot.disks()) {
                if (disk.readOnly()) {
                    copies.add(disk);
                    continue;
                }
                Path copy = vmDir.resolve(disk.path().getFileName());
                disks.copy(disk.path(), copy);
                copies.add(new Disk(copy, disk.format(), false, disk.serial(), disk.backingFile()));
            }
            return copies;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(vmDir, e);
            if (e instanceof CocoonException ce) {
                throw ce;
            }
            throw new CocoonException(
                    "cannot copy the disks of snapshot " + snapshot.name() + ": " + e.getMessage(),
                    "check free space under " + vmDir.getParent());
        }
    }

    static VmRecord cloneRecord(SnapshotRecord snapshot, String id, String name, VmNetwork network, List<Disk> disks) {
        VmRecord source = snapshot.vm();
        VmSpec spec = source.spec();
        VmSpec renamed = new VmSpec(
                name,
                spec.cpus(),
                spec.memoryBytes(),
                spec.storageBytes(),
                spec.hypervisor(),
                spec.hypervisorOptions(),
                spec.cloudInit(),
                spec.command());
        BootSpec boot = source.boot();
        if (boot.bootsKernel() && !snapshot.hasMemory()) {
            boot = withoutNetworkWords(boot).withCmdline(network.kernelWords(name));
        }
        // The command and the kernel image go with the clone: it runs what its source ran, and delete keeps the kernel
        // image it boots with.
        return new VmRecord(
                id,
                name,
                VmState.CREATED,
                renamed,
                source.image(),
                boot,
                disks,
                Instant.now(),
                null,
                0,
                null,
                network,
                source.kernelImage());
    }

    /** The source's {@code cocoon.hostname=} and {@code cocoon.net=} words (DESIGN §5a), which a booting clone gets anew. */
    static BootSpec withoutNetworkWords(BootSpec boot) {
        String kept = boot.cmdline() == null
                ? ""
                : Arrays.stream(boot.cmdline().strip().split("\\s+"))
                        .filter(word -> !word.startsWith("cocoon.hostname=") && !word.startsWith("cocoon.net="))
                        .collect(Collectors.joining(" "));
        return new BootSpec(boot.mode(), boot.kernel(), boot.initrd(), kept);
    }

    /**
     * Rolls a stopped VM back to a snapshot of itself: its writable disks are replaced by the snapshot's, each by a
     * rename, and a memory snapshot's VM resumes where it was saved.
     */
    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    public VmRecord restore(String vmNameOrId, String snapshotNameOrId) {
        String vmId = vms.resolve(vmNameOrId).id();
        // vms before snapshots, as gc takes them; the VM's own lock is let go before a resume takes it again.
        try (var vmsHeld = vms.locks().shared(VmStore.STORE);
                var snapshotsHeld = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord snapshot = snapshots.resolve(snapshotNameOrId);
            VmRecord vm;
            try (var vmHeld = vms.locks().exclusive(VmStore.vmLock(vmId))) {
                vm = vms.read(vmId)
                        .orElseThrow(() -> new NotFoundException(
                                "VM " + vmNameOrId + " was removed meanwhile", "cocoon ps lists the VMs"));
                if (!snapshot.vm().id().equals(vm.id())) {
                    throw new ConflictException(
                            "snapshot " + snapshot.name() + " is of VM "
                                    + snapshot.vm().name() + ", not of " + vm.name(),
                            "make a new VM from it: cocoon clone " + snapshot.name() + " --name NEW");
                }
                Hypervisor hypervisor = plugins.hypervisor(vm.hypervisor());
                if (hypervisor.state(vm, vms.paths(vmId)) == VmState.RUNNING) {
                    throw new ConflictException(
                            "VM " + vm.name() + " is running", "stop it first: cocoon stop " + vm.name());
                }
                if (snapshot.hasMemory()) {
                    requireSameMachine(snapshot, hypervisor.machine(vm));
                }
                rollBack(snapshot, vm);
            }
            return snapshot.hasMemory() ? lifecycle.resume(vmId, snapshot.memoryState()) : vm;
        }
    }

    private void rollBack(SnapshotRecord snapshot, VmRecord vm) {
        List<Disk> saved = snapshot.disks();
        List<Disk> current = snapshot.vm().disks();
        for (int i = 0; i < saved.size(); i++) {
            if (saved.get(i).readOnly()) {
                continue;
            }
            Path target = current.get(i).path();
            Path incoming = target.resolveSibling("." + target.getFileName() + ".restore");
            try {
                Files.deleteIfExists(incoming);
                disks.copy(saved.get(i).path(), incoming);
                Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot restore the disk " + target + " of VM " + vm.name() + ": " + e.getMessage(),
                        "check free space and run cocoon restore again");
            }
        }
    }

    private static void deleteQuietly(Path path, Exception cause) {
        try {
            Trees.delete(path);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    static String newId() {
        byte[] bytes = new byte[8];
        Ids.RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static final class Ids {
        static final SecureRandom RANDOM = new SecureRandom();
    }
}
