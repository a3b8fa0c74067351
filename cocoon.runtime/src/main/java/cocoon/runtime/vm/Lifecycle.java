package cocoon.runtime.vm;

import cocoon.api.Availability;
import cocoon.api.BootProblem;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.Hypervisor;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.KernelImage;
import cocoon.api.Network;
import cocoon.api.NotFoundException;
import cocoon.api.PublishedPort;
import cocoon.api.UnbootableImageException;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.config.Settings;
import cocoon.runtime.config.Sizes;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.snapshot.SnapshotStore;
import cocoon.runtime.ssh.SshEndpoint;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.store.Trees;
import cocoon.runtime.store.VmStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/** create, start, stop, rm and the live view of VMs: the state machine between records and hypervisors. */
public final class Lifecycle {

    static final int MAX_CPUS = 256;
    static final long MIN_MEMORY = 64L << 20;
    static final long MAX_MEMORY = 4L << 40;
    static final long MIN_STORAGE = 64L << 20;
    static final long MAX_STORAGE = 64L << 40;

    private final VmStore store;
    private final ImageCatalog images;
    private final Plugins plugins;
    private final Settings settings;
    private final Consumer<String> notices;

    /** {@code notices} gets the lines a user should read but that are no failure, such as what {@code auto} fell back to. */
    public Lifecycle(VmStore store, ImageCatalog images, Plugins plugins, Settings settings, Consumer<String> notices) {
        this.store = store;
        this.images = images;
        this.plugins = plugins;
        this.settings = settings;
        this.notices = notices;
    }

    /** Everything {@code create} would record, with the disks it would make, creating nothing. */
    public VmRecord plan(CreateRequest request) {
        Image image = images.find(request.image());
        Booted booted = bootable(request, image);
        VmSpec spec = spec(request, booted, store.takenNames());
        String id = newId();
        VmNetwork network = network(request, spec, id, false);
        VmDisks disks = plugins.diskBuilder(image.kind())
                .plan(booted.image(), spec, network, store.paths(id).vmDir());
        return record(id, spec, booted, disks, network);
    }

    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    public VmRecord create(CreateRequest request) {
        FileStoreLocks locks = store.locks();
        try (var vmsHeld = locks.shared(VmStore.STORE)) {
            Image image = images.find(request.image());
            try (var imageHeld = locks.shared(LockScope.imageStore(image.kind()))) {
                Booted booted = bootable(request, image);
                return store.insert(taken -> {
                    VmSpec spec = spec(request, booted, taken);
                    VmStore.requireFree(spec.name(), taken);
                    String id = newId();
                    // Planned before the disks are built: a refused --publish leaves nothing written.
                    VmNetwork network = network(request, spec, id, true);
                    return record(
                            id,
                            spec,
                            booted,
                            buildDisks(
                                    booted.image(),
                                    spec,
                                    network,
                                    store.paths(id).vmDir()),
                            network);
                });
            }
        }
    }

    /**
     * What a VM boots: the image, or, for an image without a kernel, the image stacked on its kernel image
     * ({@code kernelImage} non-null: the kernel was supplied, DESIGN §5c).
     */
    record Booted(Image image, Image kernelImage) {}

    /**
     * The image as a VM would boot it, refused before anything is written when its own source says no VM could boot
     * it; an image without a kernel boots with the kernel image {@code --kernel} or {@code [defaults] kernel} names.
     */
    private Booted bootable(CreateRequest request, Image image) {
        List<BootProblem> found = plugins.source(image.kind()).bootProblems(image);
        boolean noKernel = found.stream().anyMatch(problem -> problem.kind() == BootProblem.Kind.NO_KERNEL);
        // A VM that runs a command needs no init in its image.
        List<BootProblem> problems = command(request, image, noKernel).isPresent()
                ? found.stream()
                        .filter(problem -> problem.kind() != BootProblem.Kind.NO_INIT)
                        .toList()
                : found;
        if (!noKernel) {
            refuseOnFirst(image, problems);
            if (request.kernel() != null) {
                notices.accept("image " + image.reference() + " boots its own kernel: --kernel " + request.kernel()
                        + " is not used");
            }
            return new Booted(image, null);
        }
        String reference = request.kernel() != null
                ? request.kernel()
                : settings.defaults().kernel();
        if (reference.isBlank()) {
            refuseOnFirst(
                    image,
                    problems.stream()
                            .map(problem -> problem.kind() != BootProblem.Kind.NO_KERNEL
                                    ? problem
                                    : new BootProblem(
                                            problem.kind(),
                                            problem.what(),
                                            "pass --kernel REF or set [defaults] kernel to a pulled kernel image ("
                                                    + problem.hint() + ")"))
                            .toList());
        }
        refuseOnFirst(
                image,
                problems.stream()
                        .filter(problem -> problem.kind() != BootProblem.Kind.NO_KERNEL)
                        .toList());
        Image kernel = kernelImage(reference, image.kind());
        return new Booted(image.withKernel(kernel), kernel);
    }

    /**
     * For {@code doctor}: which kernel image {@code [defaults] kernel} names and whether it is pulled; not setting one
     * is fine (images with a kernel of their own need none).
     */
    public Availability defaultKernel() {
        String reference = settings.defaults().kernel();
        if (reference.isBlank()) {
            return Availability.ok("[defaults] kernel is not set: an image without a kernel needs --kernel REF");
        }
        try {
            Image kernel = images.find(reference);
            return plugins.source(kernel.kind())
                    .kernelImage(kernel)
                    .map(facts -> facts.missingModules().isEmpty()
                            ? Availability.ok(
                                    "[defaults] kernel = " + reference + " is pulled (kernel " + facts.version() + ")")
                            : Availability.missing("[defaults] kernel = " + reference + " lacks the "
                                    + String.join(", ", facts.missingModules()) + " module: name another kernel image"))
                    .orElseGet(
                            () -> Availability.missing(
                                    "[defaults] kernel = " + reference
                                            + " is pulled but is not a kernel image: name one (guest/build-kernel-image.sh builds one)"));
        } catch (NotFoundException e) {
            return Availability.missing(
                    "[defaults] kernel = " + reference + " is not pulled: run cocoon pull " + reference);
        }
    }

    private static void refuseOnFirst(Image image, List<BootProblem> problems) {
        if (!problems.isEmpty()) {
            throw new UnbootableImageException(image.reference(), problems.get(0));
        }
    }

    /**
     * The pulled kernel image {@code reference} names, refused when it cannot boot Cocoon's disks; of the image's own
     * kind, whose store lock create holds, so gc cannot take its files meanwhile.
     */
    private Image kernelImage(String reference, String kind) {
        Image kernel;
        try {
            kernel = images.find(reference);
        } catch (NotFoundException e) {
            throw new NotFoundException(
                    "kernel image '" + reference + "' is not pulled",
                    "run cocoon pull " + reference + " first, or name another with --kernel or [defaults] kernel");
        }
        KernelImage facts = plugins.source(kernel.kind())
                .kernelImage(kernel)
                .filter(found -> kernel.kind().equals(kind))
                .orElseThrow(() -> new InvalidInputException(
                        "image " + kernel.reference() + " is not a kernel image (a /boot/vmlinuz-* with its"
                                + " /lib/modules/<version>/modules.dep)",
                        "name a kernel image with --kernel or [defaults] kernel (guest/build-kernel-image.sh"
                                + " builds one)"));
        if (!facts.missingModules().isEmpty()) {
            throw new InvalidInputException(
                    "kernel image " + kernel.reference() + " (kernel " + facts.version() + ") has no "
                            + String.join(", ", facts.missingModules())
                            + " module, which the VM needs to find its disks",
                    "use a kernel image with those modules or built into the kernel, such as Debian's"
                            + " linux-image-amd64 (guest/build-kernel-image.sh)");
        }
        return kernel;
    }

    /**
     * What the VM runs instead of the image's init, if anything: what a flag names, or the Entrypoint + Cmd of a
     * container image (one booted with a kernel Cocoon supplies) whose config has them, unless {@code --init}.
     */
    private static Optional<VmSpec.Command> command(CreateRequest request, Image image, boolean kernelSupplied) {
        CommandFlags flags = request.command() == null ? CommandFlags.none() : request.command();
        boolean imageCommand = kernelSupplied
                && (!image.config().entrypoint().isEmpty()
                        || !image.config().cmd().isEmpty());
        return flags.resolve(image.config(), imageCommand, request.user(), System::getenv);
    }

    private VmDisks buildDisks(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        DiskBuilder builder = plugins.diskBuilder(image.kind());
        try {
            Files.createDirectories(vmDir);
            return builder.build(image, spec, network, vmDir);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(vmDir);
            if (e instanceof CocoonException ce) {
                throw ce;
            }
            throw new CocoonException(
                    "cannot create the disks of VM " + spec.name() + ": " + e.getMessage(),
                    "check free space under " + store.vmsDir());
        }
    }

    /**
     * Boots the VM, or, while it is to resume from saved state ({@link PendingResume}), loads that state so it runs on
     * where the snapshot was. A live hypervisor left paused by a killed save, clone or restore is resumed instead.
     */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public VmRecord start(String nameOrId) {
        return underVmLock(nameOrId, (record, hypervisor, paths) -> {
            boolean alive = hypervisor.state(record, paths) == VmState.RUNNING;
            if (alive
                    && (SavePause.isMarked(paths)
                            || PendingResume.stateFolder(paths.vmDir()).isPresent())) {
                return resumeLeftPaused(record, hypervisor, paths);
            }
            if (alive) {
                throw new ConflictException(
                        "VM " + record.name() + " is already running",
                        "attach with cocoon console " + record.name() + " or stop it first");
            }
            // First: a restore it finishes may leave the VM to resume from the snapshot's state.
            PendingRestore.finish(paths.vmDir(), record.disks());
            Optional<Path> state = PendingResume.stateFolder(paths.vmDir());
            // A snapshot's state cannot go (snapshot rm, gc) while it loads; lock order as a snapshot save's.
            try (var snapshotsHeld = state.isPresent() ? store.locks().shared(SnapshotStore.STORE) : null) {
                return launch(record, hypervisor, paths, state.filter(Files::isDirectory));
            }
        });
    }

    private VmRecord launch(VmRecord record, Hypervisor hypervisor, VmPaths paths, Optional<Path> state) {
        for (Disk disk : record.disks()) {
            requireFile(record, disk.path(), "disk");
            if (disk.backingFile() != null) {
                requireFile(record, disk.backingFile(), "base image");
            }
        }
        if (record.boot().bootsKernel() && state.isEmpty()) {
            requireFile(record, record.boot().kernel(), "kernel");
        }
        if (state.isEmpty() && PendingResume.stateFolder(paths.vmDir()).isPresent()) {
            notices.accept("the saved state VM " + record.name()
                    + " was to resume from is gone with its snapshot: it boots from its disks");
        }
        VmRecord launched = record.network().nics().isEmpty()
                ? record
                : record.withNetwork(plugins.network(record.network().mode()).beforeStart(record));
        // A mark whose paused hypervisor has gone since says nothing about the process started now.
        SavePause.clear(paths);
        store.prepareWrite(record);
        long pid;
        try {
            pid = state.isPresent()
                    ? hypervisor.launchFromState(launched, paths, state.get())
                    : hypervisor.launch(launched, paths);
        } catch (CocoonException e) {
            afterStop(record);
            store.update(record.id(), r -> r.failed(e.getMessage()));
            throw e;
        }
        Instant now = Instant.now();
        VmRecord running = store.update(record.id(), r -> r.running(pid, now));
        PendingResume.clear(paths.vmDir());
        SshEndpoint.of(launched.network()).ifPresent(endpoint -> endpoint.record(paths.runDir()));
        return running;
    }

    /** A save killed while the guest was paused, or a clone or restore killed before its guest was let run. */
    private VmRecord resumeLeftPaused(VmRecord record, Hypervisor hypervisor, VmPaths paths) {
        hypervisor.resume(record, paths);
        String by = SavePause.isMarked(paths) ? "snapshot save" : "clone or restore";
        SavePause.clear(paths);
        PendingResume.clear(paths.vmDir());
        notices.accept("VM " + record.name() + " was left paused by an interrupted " + by + ": resumed it");
        if (record.state() == VmState.RUNNING) {
            return record;
        }
        // Killed after the launch but before the record said so: the hypervisor's pid file has it.
        long pid = hypervisor.process(paths).livePid(record.pid());
        Instant now = Instant.now();
        return store.update(record.id(), r -> r.running(pid, now));
    }

    public VmRecord stop(String nameOrId, Duration timeout, boolean force) {
        return underVmLock(nameOrId, (record, hypervisor, paths) -> {
            SshEndpoint.forget(paths.runDir());
            boolean leftPaused = SavePause.isMarked(paths)
                    || PendingResume.stateFolder(paths.vmDir()).isPresent();
            if (leftPaused && hypervisor.state(record, paths) == VmState.RUNNING) {
                // A paused guest never hears the power button; once it has run, its disks no longer go with the state.
                hypervisor.resume(record, paths);
                PendingResume.clear(paths.vmDir());
            }
            SavePause.clear(paths);
            // Whatever the state says: a hypervisor that lingers with its guest off, or hangs, is ended too.
            hypervisor.powerOff(record, paths, timeout, force);
            afterStop(record);
            return store.update(record.id(), VmRecord::stopped);
        });
    }

    public VmRecord remove(String nameOrId, boolean force, Duration stopTimeout) {
        return underVmLock(nameOrId, (record, hypervisor, paths) -> {
            if (!force && hypervisor.state(record, paths) == VmState.RUNNING) {
                throw new ConflictException(
                        "VM " + record.name() + " is running",
                        "stop it first (cocoon stop " + record.name() + ") or pass --force");
            }
            hypervisor.powerOff(record, paths, stopTimeout, true);
            afterStop(record);
            store.deleteRecord(record.id());
            if (!record.network().nics().isEmpty()) {
                // After the record: a kill in between leaves a lease of no VM, which gc removes.
                plugins.network(record.network().mode()).release(record);
            }
            plugins.diskBuilder(record.image().kind()).remove(record.disks());
            deleteQuietly(paths.vmDir());
            deleteQuietly(paths.runDir());
            deleteQuietly(paths.logDir());
            return record;
        });
    }

    /** Takes down what the VM's network set up on the host for its hypervisor, now gone. */
    private void afterStop(VmRecord record) {
        if (!record.network().nics().isEmpty()) {
            plugins.network(record.network().mode()).afterStop(record);
        }
    }

    /** What start, stop and rm do once they hold the VM: the record as it is now, its hypervisor and folders. */
    private interface VmAction {
        VmRecord apply(VmRecord record, Hypervisor hypervisor, VmPaths paths);
    }

    /** Runs {@code action} holding the VM's own lock, on the record re-read under that lock. */
    @SuppressWarnings("try") // the locks are held for the block and released on close; the body never names them
    private VmRecord underVmLock(String nameOrId, VmAction action) {
        String id = store.resolve(nameOrId).id();
        try (var vmsHeld = store.locks().shared(VmStore.STORE);
                var vmHeld = store.locks().exclusive(VmStore.vmLock(id))) {
            VmRecord record = store.read(id)
                    .orElseThrow(() -> new NotFoundException(
                            "VM " + nameOrId + " was removed meanwhile", "cocoon ps lists the VMs"));
            return action.apply(record, plugins.hypervisor(record.hypervisor()), store.paths(id));
        }
    }

    /**
     * The record with its state reconciled against the live process, both ways: a {@code start} killed
     * after the launch but before it wrote the record leaves a live hypervisor under a record that says
     * otherwise, and ps must show what really runs.
     */
    public VmRecord live(VmRecord record) {
        VmPaths paths = store.paths(record.id());
        VmState actual = plugins.hypervisor(record.hypervisor()).state(record, paths);
        if (actual == VmState.RUNNING
                && (SavePause.isMarked(paths)
                        || PendingResume.stateFolder(paths.vmDir()).isPresent())) {
            return record.paused();
        }
        if (record.state() != VmState.RUNNING) {
            return actual == VmState.RUNNING ? record.running(record.pid(), record.started()) : record;
        }
        return switch (actual) {
            case RUNNING -> record;
            case STOPPED -> record.stopped();
            default -> record.failed("the hypervisor was killed, crashed or stopped answering");
        };
    }

    public Path console(String nameOrId) {
        VmRecord record = live(store.resolve(nameOrId));
        if (record.state() != VmState.RUNNING && record.state() != VmState.PAUSED) {
            throw new ConflictException(
                    "VM " + record.name() + " is not running", "start it with cocoon start " + record.name());
        }
        return plugins.hypervisor(record.hypervisor()).console(record, store.paths(record.id()));
    }

    /**
     * The exit status of the command a stopped VM ran, as its disks tell it; empty while it runs, when it runs the
     * image's init, or when its command did not exit by itself since the VM last started.
     */
    public OptionalInt exitStatus(VmRecord record) {
        if (record.spec().command() == null || record.state() != VmState.STOPPED) {
            return OptionalInt.empty();
        }
        return plugins.diskBuilder(record.image().kind()).exitStatus(record.disks());
    }

    public VmPaths paths(VmRecord record) {
        return store.paths(record.id());
    }

    public List<String> command(VmRecord record) {
        return plugins.hypervisor(record.hypervisor()).command(record, store.paths(record.id()));
    }

    private VmSpec spec(CreateRequest request, Booted booted, Set<String> taken) {
        Image image = booted.image();
        Settings.Defaults defaults = settings.defaults();
        String name = request.name() != null
                ? VmNames.validate(request.name())
                : VmNames.defaultFor(image.reference(), taken);
        int cpus = request.cpus() != null ? request.cpus() : defaults.cpus();
        long memory = request.memoryBytes() != null ? request.memoryBytes() : defaults.memoryBytes();
        requireSize(cpus, memory);
        long storage = request.storageBytes() != null ? request.storageBytes() : defaults.storageBytes();
        range("--storage", storage, MIN_STORAGE, MAX_STORAGE);
        Hypervisor hypervisor =
                plugins.chooseHypervisor(request.hypervisor() != null ? request.hypervisor() : defaults.hypervisor());
        Map<String, String> options =
                hypervisor.options(request.hypervisorOptions() == null ? Map.of() : request.hypervisorOptions());
        Optional<VmSpec.Command> command = command(request, image, booted.kernelImage() != null);
        // With a command, --user names whom it runs as, not a cloud image's login.
        String user = request.user() != null && command.isEmpty() ? request.user() : defaults.user();
        if (!user.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw new InvalidInputException(
                    "--user '" + user + "' is not a valid login name", "use lower-case letters, digits, '_' or '-'");
        }
        String password = request.password() != null ? request.password() : defaults.password();
        return new VmSpec(
                name,
                cpus,
                memory,
                storage,
                hypervisor.name(),
                options,
                new VmSpec.CloudInit(user, password, sshKeys(request.sshKeyFiles()), absolute(request.sshKeyFiles())),
                command.orElse(null));
    }

    /**
     * The mode asked for (or the configured default), planned for this VM on its hypervisor; {@code reserve}
     * holds what the plan needs (a bridge address) for good, as create does and run does not.
     */
    private VmNetwork network(CreateRequest request, VmSpec spec, String id, boolean reserve) {
        Hypervisor hypervisor = plugins.hypervisor(spec.hypervisor());
        String requested = request.network() != null
                ? request.network()
                : settings.defaults().network();
        List<PublishedPort> published = request.published() == null ? List.of() : request.published();
        Plugins.NetworkChoice choice = plugins.chooseNetwork(requested, hypervisor);
        String why = String.join("; ", choice.passedOver());
        if (choice.network() == null) {
            if (!published.isEmpty()) {
                throw new InvalidInputException(
                        "--publish needs a network card, and no network mode serves hypervisor " + hypervisor.name()
                                + " (" + why + ")",
                        "drop --publish, or choose --hypervisor qemu");
            }
            notices.accept("VM " + spec.name() + " gets no network card: no network mode serves hypervisor "
                    + hypervisor.name());
            return VmNetwork.none();
        }
        Network network = choice.network();
        if (!choice.passedOver().isEmpty()) {
            notices.accept("--network auto chose " + network.mode() + " for VM " + spec.name() + " (" + why + ")");
        }
        Network.Request planned = new Network.Request(id, spec.name(), hypervisor, published);
        return reserve ? network.reserve(planned) : network.plan(planned);
    }

    private static List<String> sshKeys(List<Path> files) {
        List<String> keys = new ArrayList<>();
        for (Path file : files == null ? List.<Path>of() : files) {
            try {
                Files.readAllLines(file).stream()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                        .forEach(keys::add);
            } catch (IOException e) {
                throw new InvalidInputException(
                        "cannot read SSH key file " + file + ": " + e.getMessage(),
                        "give the path of a public key, e.g. ~/.ssh/id_ed25519.pub");
            }
        }
        for (String key : keys) {
            if (!key.matches("(ssh|ecdsa|sk)-[^ ]+ [A-Za-z0-9+/=]+( .*)?")) {
                throw new InvalidInputException(
                        "SSH key file holds a line that is not a public key: "
                                + key.substring(0, Math.min(20, key.length())) + "…",
                        "pass the .pub file, never the private key");
            }
        }
        return keys;
    }

    /** As given at create, made absolute: {@code cocoon ssh} may run from another folder. */
    private static List<Path> absolute(List<Path> files) {
        return files == null
                ? List.of()
                : files.stream().map(file -> file.toAbsolutePath().normalize()).toList();
    }

    /** Refuses a {@code --cpu} or {@code --memory} no hypervisor would take. */
    public static void requireSize(int cpus, long memoryBytes) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new InvalidInputException("--cpu " + cpus + " is out of range", "use 1 to " + MAX_CPUS);
        }
        range("--memory", memoryBytes, MIN_MEMORY, MAX_MEMORY);
    }

    private static void range(String flag, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidInputException(
                    flag + " " + Sizes.format(value) + " is out of range",
                    "use " + Sizes.format(min) + " to " + Sizes.format(max));
        }
    }

    private static VmRecord record(String id, VmSpec spec, Booted booted, VmDisks disks, VmNetwork network) {
        Image image = booted.image();
        // Only an image that boots its kernel directly reads the guest contract's network words (DESIGN §5a).
        var boot = image.boot().withCmdline(disks.cmdline());
        if (boot.bootsKernel()) {
            boot = boot.withCmdline(network.kernelWords(spec.name()));
        }
        return new VmRecord(
                id,
                spec.name(),
                VmState.CREATED,
                spec,
                new VmRecord.ImageRef(image.kind(), image.reference(), image.digest()),
                boot,
                disks.disks(),
                Instant.now(),
                null,
                0,
                null,
                network,
                booted.kernelImage() == null
                        ? null
                        : new VmRecord.ImageRef(
                                booted.kernelImage().kind(),
                                booted.kernelImage().reference(),
                                booted.kernelImage().digest()));
    }

    private static void requireFile(VmRecord record, Path file, String what) {
        if (file == null || !Files.exists(file)) {
            throw new NotFoundException(
                    "the " + what + " of VM " + record.name() + " is missing: " + file,
                    "the file was removed by hand; remove the VM (cocoon rm " + record.name()
                            + ") and create it again");
        }
    }

    private static String newId() {
        byte[] bytes = new byte[8];
        Ids.RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Only create draws ids: the security providers a {@link SecureRandom} sets up cost every other command ~10 ms. */
    private static final class Ids {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private static void deleteQuietly(Path path) {
        try {
            Trees.delete(path);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + path + ": " + e.getMessage(), "remove it by hand, then run cocoon gc");
        }
    }
}
