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
import cocoon.runtime.config.Sizes;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.store.AtomicFiles;
import cocoon.runtime.store.IoFailure;
import cocoon.runtime.store.Trees;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.vm.Lifecycle;
import cocoon.runtime.vm.PendingRestore;
import cocoon.runtime.vm.PendingResume;
import cocoon.runtime.vm.SavePause;
import cocoon.runtime.vm.VmNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The folder a hypervisor saves a guest's device and memory state into: its files are the driver's own. */
    static final String STATE = "state";

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
                    SavePause.mark(paths);
                }
                try {
                    // Inside the try: a pause that fails half-way is undone too (resuming a running guest is harmless).
                    if (running) {
                        hypervisor.pause(vm, paths);
                    }
                    copies = copyDisks(vm, paths.vmDir(), folder);
                    machine = memory ? saveState(hypervisor, vm, paths, folder) : machineOrNone(hypervisor, vm);
                } finally {
                    if (running) {
                        hypervisor.resume(vm, paths);
                        SavePause.clear(paths);
                        progress.accept("resumed VM " + vm.name());
                    }
                }
                SnapshotRecord record = new SnapshotRecord(
                        id, snapshotName, Instant.now(), vm, copies, memory ? folder.resolve(STATE) : null, machine);
                syncFiles(folder);
                snapshots.commit(record);
                return record;
            } catch (RuntimeException e) {
                deleteQuietly(folder, e);
                throw e;
            }
        }
    }

    /** The copied disks and the saved state, durable before the record that lists them (a power loss keeps both). */
    private static void syncFiles(Path folder) {
        try {
            AtomicFiles.syncTree(folder);
        } catch (IOException e) {
            throw IoFailure.isNoSpace(e)
                    ? IoFailure.noSpace(folder, e)
                    : new CocoonException("cannot write snapshot " + folder + ": " + e.getMessage(), "check the disk");
        }
    }

    /**
     * The writable disks, and the read-only ones in the VM's own folder (a cloud image's seed: the VM may be gone when
     * a clone needs it), copied; shared bases are kept by reference.
     */
    private List<Disk> copyDisks(VmRecord vm, Path vmDir, Path folder) {
        List<Disk> copies = new ArrayList<>();
        for (Disk disk : vm.disks()) {
            if (disk.readOnly() && !disk.path().startsWith(vmDir)) {
                copies.add(disk);
                continue;
            }
            Path copy = folder.resolve(disk.path().getFileName());
            progress.accept("copying disk " + disk.path().getFileName());
            disks.copy(disk.path(), copy);
            copies.add(new Disk(copy, disk.format(), disk.readOnly(), disk.serial(), disk.backingFile()));
        }
        return copies;
    }

    private MachineFacts saveState(Hypervisor hypervisor, VmRecord vm, VmPaths paths, Path folder) {
        Path state = folder.resolve(STATE);
        try {
            Files.createDirectory(
                    state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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
     * device state), size and network mode and resumes where the source was; a disk-only snapshot's clone gets a new
     * MAC and address, may change network mode, CPUs and memory, and boots from the copied disks. Unless the request
     * says otherwise it is started at once.
     */
    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    public VmRecord clone(CloneRequest request) {
        String name = VmNames.validate(request.name());
        // vms before snapshots, as gc takes them; start takes vms again (a nested shared hold) and the new VM's lock.
        try (var vmsHeld = vms.locks().shared(VmStore.STORE);
                var snapshotsHeld = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord snapshot = snapshots.resolve(request.snapshot());
            VmRecord source = snapshot.vm();
            Hypervisor hypervisor = plugins.hypervisor(source.hypervisor());
            VmSpec spec = cloneSpec(snapshot, name, request);
            if (snapshot.hasMemory()) {
                refuseBridgedMemory(snapshot);
                refuseOtherNetwork(snapshot, request.network());
                requireSameMachine(snapshot, hypervisor.machine(source));
            }
            VmRecord clone = vms.insert(taken -> {
                VmStore.requireFree(name, taken);
                String id = newId();
                VmNetwork network = cloneNetwork(snapshot, id, spec, hypervisor, request);
                Path vmDir = vms.paths(id).vmDir();
                return cloneRecord(snapshot, id, spec, network, copyInto(snapshot, spec, network, vmDir));
            });
            if (!request.start()) {
                return clone;
            }
            // A memory clone's start resumes it from the state its folder names (see copyInto).
            return lifecycle.start(clone.id());
        }
    }

    /**
     * The source's spec under the clone's name, with the CPUs and memory asked for; a saved guest knows the CPUs and
     * memory it had, so a memory snapshot's clone keeps them.
     */
    static VmSpec cloneSpec(SnapshotRecord snapshot, String name, CloneRequest request) {
        VmSpec spec = snapshot.vm().spec();
        int cpus = request.cpus() != null ? request.cpus() : spec.cpus();
        long memory = request.memoryBytes() != null ? request.memoryBytes() : spec.memoryBytes();
        if (snapshot.hasMemory() && (cpus != spec.cpus() || memory != spec.memoryBytes())) {
            throw new InvalidInputException(
                    "snapshot " + snapshot.name() + " holds the memory of a guest with " + spec.cpus() + " CPUs and "
                            + Sizes.format(spec.memoryBytes()) + " of memory, which its clones resume with",
                    "drop --cpu and --memory, or clone a disk-only snapshot (cocoon snapshot save --disk-only)");
        }
        Lifecycle.requireSize(cpus, memory);
        return new VmSpec(
                name,
                cpus,
                memory,
                spec.storageBytes(),
                spec.hypervisor(),
                spec.hypervisorOptions(),
                spec.cloudInit(),
                spec.command());
    }

    /** The saved guest configured its card for the source's mode (a user-mode address, say): a clone keeps it. */
    private static void refuseOtherNetwork(SnapshotRecord snapshot, String requested) {
        String mode = snapshot.vm().network().mode();
        if (requested != null && !requested.equals(mode)) {
            throw new InvalidInputException(
                    "snapshot " + snapshot.name() + " holds the memory of a guest configured for --network " + mode
                            + ", which its clones resume with",
                    "drop --network, or clone a disk-only snapshot (cocoon snapshot save --disk-only)");
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
            SnapshotRecord snapshot, String id, VmSpec spec, Hypervisor hypervisor, CloneRequest request) {
        VmNetwork source = snapshot.vm().network();
        List<PublishedPort> published = request.published();
        Network.Request planned = new Network.Request(id, spec.name(), hypervisor, published);
        if (!snapshot.hasMemory() && request.network() != null) {
            Plugins.NetworkChoice choice = plugins.chooseNetwork(request.network(), hypervisor);
            if (choice.network() == null) {
                throw new InvalidInputException(
                        "no network mode serves hypervisor " + hypervisor.name() + " ("
                                + String.join("; ", choice.passedOver()) + ")",
                        "name a mode with --network, or --network none");
            }
            return choice.network().reserve(planned);
        }
        if (source.nics().isEmpty()) {
            if (!published.isEmpty()) {
                throw new InvalidInputException(
                        "--publish needs a network card, and snapshot " + snapshot.name() + " is of a VM without one",
                        snapshot.hasMemory()
                                ? "drop --publish"
                                : "drop --publish, or give the clone one with --network");
            }
            return VmNetwork.none();
        }
        Network network = plugins.network(source.mode());
        if (!snapshot.hasMemory()) {
            return network.reserve(planned);
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

    /**
     * The snapshot's own disks (its folder holds the source's writable disks and per-VM ones such as a cloud image's
     * seed) copied into the new VM's folder, shared bases kept, then handed to the disk builder to give a booting clone
     * an identity of its own; on failure the folder goes.
     */
    private List<Disk> copyInto(SnapshotRecord snapshot, VmSpec spec, VmNetwork network, Path vmDir) {
        Path folder = snapshots.folder(snapshot.id());
        try {
            Files.createDirectories(vmDir);
            List<Disk> copies = new ArrayList<>();
            for (Disk disk : snapshot.disks()) {
                if (!disk.path().startsWith(folder)) {
                    copies.add(disk);
                    continue;
                }
                Path copy = vmDir.resolve(disk.path().getFileName());
                disks.copy(disk.path(), copy);
                copies.add(new Disk(copy, disk.format(), disk.readOnly(), disk.serial(), disk.backingFile()));
            }
            List<Disk> cloned = plugins.diskBuilder(snapshot.vm().image().kind())
                    .forClone(copies, spec, network, vmDir, !snapshot.hasMemory());
            // The record written after this names the copies: they must survive a power loss first.
            AtomicFiles.syncTree(vmDir);
            if (snapshot.hasMemory()) {
                // Before the record: a clone killed before its guest ran, or made --no-start, resumes at its start.
                PendingResume.mark(vmDir, snapshot.memoryState());
            }
            return cloned;
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

    static VmRecord cloneRecord(SnapshotRecord snapshot, String id, VmSpec spec, VmNetwork network, List<Disk> disks) {
        VmRecord source = snapshot.vm();
        String name = spec.name();
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
                spec,
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
                rollBack(snapshot, vm, vms.paths(vmId).vmDir());
            }
            // The journal left a memory snapshot's VM to resume from its state, which start does.
            return snapshot.hasMemory() ? lifecycle.start(vmId) : vm;
        }
    }

    /** Every writable disk staged first, then all renamed into place together (see {@link PendingRestore}). */
    private void rollBack(SnapshotRecord snapshot, VmRecord vm, Path vmDir) {
        PendingRestore.finish(vmDir, vm.disks());
        List<Disk> saved = snapshot.disks();
        List<Disk> current = snapshot.vm().disks();
        List<Path> replaced = new ArrayList<>();
        for (int i = 0; i < saved.size(); i++) {
            if (saved.get(i).readOnly()) {
                continue;
            }
            Path target = current.get(i).path();
            Path incoming = PendingRestore.staged(target);
            try {
                Files.deleteIfExists(incoming);
                disks.copy(saved.get(i).path(), incoming);
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot restore the disk " + target + " of VM " + vm.name() + ": " + e.getMessage(),
                        "check free space and run cocoon restore again");
            }
            replaced.add(target);
        }
        PendingRestore.commit(vmDir, replaced, snapshot.hasMemory() ? snapshot.memoryState() : null);
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
