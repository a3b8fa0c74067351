package cocoon.runtime.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.InvalidInputException;
import cocoon.api.MachineFacts;
import cocoon.api.Network;
import cocoon.api.Nic;
import cocoon.api.NotFoundException;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import cocoon.runtime.gc.Collector;
import cocoon.runtime.gc.Garbage;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.TestRoot;
import cocoon.runtime.vm.CreateRequest;
import cocoon.runtime.vm.Lifecycle;
import cocoon.runtime.vm.PendingRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save, ls, clone, restore and rm of snapshots over a fake hypervisor that cannot save memory, and what gc keeps. */
class SnapshotsTest {

    @TempDir
    Path dir;

    private final FakeSource source = new FakeSource("img", ref -> true);
    private final FakeDiskBuilder builder = new FakeDiskBuilder("img");
    private final FakeHypervisor hypervisor = new FakeHypervisor("fake", 1, true);
    private TestRoot host;
    private VmStore vms;
    private Lifecycle lifecycle;
    private SnapshotStore store;
    private Snapshots snapshots;
    private Plugins plugins;
    private PluginCatalog catalog;

    @BeforeEach
    void setUp() {
        host = new TestRoot(dir);
        catalog = PluginCatalog.of(
                List.of(source.provider()),
                List.of(builder.provider(), new FakeDiskBuilder("fake").provider()),
                List.of(hypervisor.provider()),
                List.of(new UserMode.Registration()));
        plugins = host.plugins(catalog);
        vms = host.vms();
        lifecycle = new Lifecycle(vms, new ImageCatalog(plugins), plugins, host.settings(catalog), line -> {});
        store = new SnapshotStore(host.root, host.locks(), new AtomicJsonFiles());
        snapshots = new Snapshots(vms, store, plugins, lifecycle, new HostProcesses(), line -> {});
        source.add("img/demo", "sha256:" + "a".repeat(64));
    }

    private VmRecord create(String name) {
        return lifecycle.create(new CreateRequest(
                "img/demo", name, null, null, null, null, null, null, null, null, null, null, null, null));
    }

    private static Path disk(VmRecord vm) {
        return vm.disks().getFirst().path();
    }

    @Test
    void aStoppedVmGetsADiskSnapshotWhoseFilesOnlyItsOwnerReads() throws IOException {
        VmRecord vm = create("web");
        Files.writeString(disk(vm), "before");

        SnapshotRecord saved = snapshots.save("web", "base", false);

        assertEquals("disk", saved.kind());
        assertEquals(
                List.of("base"), store.list().stream().map(SnapshotRecord::name).toList());
        Path copy = saved.disks().getFirst().path();
        assertEquals(store.folder(saved.id()), copy.getParent());
        assertEquals("before", Files.readString(copy));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(store.folder(saved.id()).resolve(SnapshotStore.RECORD))));
    }

    @Test
    void aFolderWithoutItsRecordIsAHalfWrittenSaveThatNoListingShows() throws IOException {
        Files.createDirectories(store.folder("0123456789abcdef"));
        Files.writeString(store.folder("0123456789abcdef").resolve("disk.raw"), "partial");

        assertEquals(List.of(), store.list());
        assertThrows(NotFoundException.class, () -> store.resolve("0123"));
    }

    @Test
    void snapshotsAreFoundByNameIdOrUniqueIdPrefixAndNamesAreUnique() {
        create("web");
        SnapshotRecord saved = snapshots.save("web", "base", false);

        assertEquals(saved.id(), store.resolve("base").id());
        assertEquals(saved.id(), store.resolve(saved.id()).id());
        assertEquals(saved.id(), store.resolve(saved.id().substring(0, 4)).id());
        ConflictException taken = assertThrows(ConflictException.class, () -> snapshots.save("web", "base", false));
        assertTrue(taken.getMessage().contains("a snapshot named 'base' already exists"), taken.getMessage());
    }

    @Test
    void aCloneIsANewVmWithItsOwnCopyOfTheDisks() throws IOException {
        VmRecord vm = create("web");
        Files.writeString(disk(vm), "saved");
        snapshots.save("web", "base", false);

        VmRecord clone = snapshots.clone(CloneRequest.of("base", "copy", List.of(), false));
        Files.writeString(disk(clone), "clone's own");

        assertNotEquals(vm.id(), clone.id());
        assertEquals("copy", vms.resolve("copy").name());
        assertEquals(vms.paths(clone.id()).vmDir(), disk(clone).getParent());
        assertEquals("saved", Files.readString(disk(vm)));
        assertEquals(
                "saved",
                Files.readString(store.resolve("base").disks().getFirst().path()));
    }

    @Test
    void aCloneOfADiskSnapshotStarts() {
        create("web");
        snapshots.save("web", "base", false);

        VmRecord clone = snapshots.clone(CloneRequest.of("base", "copy", List.of(), true));

        assertEquals(FakeHypervisor.PID, clone.pid());
    }

    @Test
    void restoreRollsAStoppedVmBackToItsSnapshot() throws IOException {
        VmRecord vm = create("web");
        Files.writeString(disk(vm), "saved");
        snapshots.save("web", "base", false);
        Files.writeString(disk(vm), "written later");

        snapshots.restore("web", "base");

        assertEquals("saved", Files.readString(disk(vm)));
    }

    @Test
    void restoreOfAnotherVmsSnapshotIsRefusedInOneLine() throws IOException {
        VmRecord other = create("other");
        Files.writeString(disk(other), "mine");
        create("web");
        snapshots.save("web", "base", false);

        ConflictException refused = assertThrows(ConflictException.class, () -> snapshots.restore("other", "base"));

        assertEquals(
                "snapshot base is of VM web, not of other",
                refused.getMessage().lines().findFirst().orElseThrow());
        assertEquals("mine", Files.readString(disk(other)));
    }

    @Test
    void aHypervisorThatCannotPauseRefusesAMemorySnapshotAndLeavesNoFolder() throws IOException {
        create("web");
        lifecycle.start("web");

        HypervisorException refused = assertThrows(HypervisorException.class, () -> snapshots.save("web", null, false));

        assertTrue(refused.getMessage().contains("hypervisor fake cannot pause"), refused.getMessage());
        assertEquals(List.of(), store.list());
        try (var folders = Files.list(store.dir())) {
            assertEquals(0, folders.count());
        }
    }

    @Test
    void aBootingCloneGetsTheNetworkWordsOfItsOwnCards() {
        BootSpec boot = BootSpec.kernel(
                Path.of("/k"),
                null,
                "cocoon.layers=a cocoon.cow=cocoon-cow cocoon.hostname=web cocoon.net=52:54:00:00:00:01,10.0.2.15/24,,");

        assertEquals(
                "cocoon.layers=a cocoon.cow=cocoon-cow",
                Snapshots.withoutNetworkWords(boot).cmdline());
        assertEquals(VmNetwork.none().kernelWords("copy"), "");
    }

    @Test
    void gcKeepsTheImageFilesASnapshotNeedsAfterItsVmIsGoneAndRemovesOldHalfWrittenFolders() throws IOException {
        Path layer = Files.writeString(
                Files.createDirectories(host.root.resolve("images/img")).resolve("layer"), "l");
        source.files.add(layer);
        Path cow = Files.createDirectories(host.root.resolve("vms/feedfacefeedface"))
                .resolve("cow.raw");
        Files.writeString(cow, "cow");
        host.writeRecord(
                "feedfacefeedface",
                List.of(
                        new Disk(layer, DiskFormat.RAW, true, "layer", null),
                        new Disk(cow, DiskFormat.RAW, false, "c", null)),
                BootSpec.kernel(null, null, ""));
        snapshots.save("feedfacefeedface", "keep", false);
        Files.delete(host.root.resolve("vms/feedfacefeedface/vm.json"));
        Path halfOld = Files.createDirectories(store.folder("0000000000000001"));
        Files.setLastModifiedTime(halfOld, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path halfNew = Files.createDirectories(store.folder("0000000000000002"));

        List<String> removed = new Collector(
                        vms,
                        store,
                        List.of(plugins.source("img")),
                        List.of(),
                        vm -> false,
                        host.root,
                        host.run,
                        host.log)
                .collect(Duration.ofHours(1), false).stream().map(Garbage::what).toList();

        assertTrue(Files.exists(layer), removed.toString());
        assertTrue(removed.contains(halfOld.toString()), removed.toString());
        assertFalse(Files.exists(halfOld));
        assertTrue(Files.exists(halfNew), "a save in progress keeps its folder");
        assertEquals(
                List.of("keep"), store.list().stream().map(SnapshotRecord::name).toList());
    }

    /** A snapshot as a save of a running VM writes it: with a memory state, saved on {@code machine}. */
    private SnapshotRecord memorySnapshot(VmRecord vm, VmNetwork network, MachineFacts machine) throws IOException {
        VmRecord saved = new VmRecord(
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
                null,
                network);
        Path folder = store.create("00000000000000aa");
        Path state = Files.createDirectory(folder.resolve(Snapshots.STATE));
        SnapshotRecord record =
                new SnapshotRecord("00000000000000aa", "warm", Instant.now(), saved, vm.disks(), state, machine);
        store.commit(record);
        return record;
    }

    private static final MachineFacts HERE = new MachineFacts("fake", "7.2.22", "pc-q35-7.2", "tcg", "max");

    @Test
    void aMemoryCloneOfABridgedVmIsRefusedInOneLineThatSuggestsUserModeOrADiskOnlySnapshot() throws IOException {
        hypervisor.machine = HERE;
        Nic bridged = new Nic(
                Nic.Backend.TAP, "52:54:00:00:00:01", "192.0.2.5", 24, "192.0.2.1", List.of(), List.of(), "ck0123");
        memorySnapshot(create("web"), new VmNetwork("bridge", List.of(bridged)), HERE);

        ConflictException refused = assertThrows(
                ConflictException.class, () -> snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false)));

        assertEquals(1, refused.getMessage().lines().count(), refused.getMessage());
        assertTrue(refused.hint().contains("--disk-only") && refused.hint().contains("--network user"), refused.hint());
        assertThrows(NotFoundException.class, () -> vms.resolve("copy"));
    }

    @Test
    void aMemorySnapshotFromAnotherMachineIsRefusedInOneLineNamingBoth() throws IOException {
        hypervisor.machine = HERE;
        memorySnapshot(create("web"), VmNetwork.none(), new MachineFacts("fake", "8.2.0", "pc-q35-8.2", "tcg", "max"));

        ConflictException refused = assertThrows(
                ConflictException.class, () -> snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false)));

        assertEquals(
                "snapshot warm was saved on fake 8.2.0, pc-q35-8.2, tcg, cpu max but would load on fake 7.2.22,"
                        + " pc-q35-7.2, tcg, cpu max",
                refused.getMessage());
        assertThrows(NotFoundException.class, () -> vms.resolve("copy"));
    }

    @Test
    void aMemoryCloneKeepsTheSourcesCardsAndStartsFromTheSavedState() throws IOException {
        hypervisor.machine = HERE;
        memorySnapshot(create("web"), VmNetwork.none(), HERE);

        VmRecord clone = snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false));

        assertEquals(VmNetwork.none(), clone.network());
        assertEquals("copy", clone.spec().name());
    }

    @Test
    void aMemoryCloneResumesFromTheSavedStateAndNeverBoots() throws IOException {
        hypervisor.machine = HERE;
        SnapshotRecord warm = memorySnapshot(create("web"), VmNetwork.none(), HERE);

        snapshots.clone(CloneRequest.of("warm", "copy", List.of(), true));

        assertEquals(List.of(warm.memoryState()), hypervisor.loadedStates);
        assertEquals(0, hypervisor.boots);
    }

    @Test
    void aMemoryCloneKilledBeforeItsGuestRanResumesAtTheNextStartAndBootsOnlyAfterThat() throws IOException {
        hypervisor.machine = HERE;
        SnapshotRecord warm = memorySnapshot(create("web"), VmNetwork.none(), HERE);
        // A clone left created (--no-start, or killed after its record) is what a kill before the resume leaves.
        snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false));

        lifecycle.start("copy");

        assertEquals(List.of(warm.memoryState()), hypervisor.loadedStates);
        assertEquals(0, hypervisor.boots);
        lifecycle.stop("copy", Duration.ofSeconds(1), true);
        lifecycle.start("copy");
        assertEquals(1, hypervisor.boots, "once it ran, its disks no longer go with the saved memory");
    }

    @Test
    void aMemoryCloneWhoseSnapshotWasRemovedBeforeItsFirstStartBootsAndSaysSo() throws IOException {
        hypervisor.machine = HERE;
        memorySnapshot(create("web"), VmNetwork.none(), HERE);
        snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false));
        snapshots.remove("warm");
        List<String> notices = new ArrayList<>();
        Lifecycle noticing =
                new Lifecycle(vms, new ImageCatalog(plugins), plugins, host.settings(catalog), notices::add);

        noticing.start("copy");

        assertEquals(1, hypervisor.boots);
        assertTrue(
                notices.getFirst().contains("is gone with its snapshot: it boots from its disks"), notices.toString());
    }

    @Test
    void aRestoreToAMemorySnapshotKilledAfterItsJournalResumesFromTheStateAtTheNextStart() throws IOException {
        hypervisor.machine = HERE;
        VmRecord vm = create("web");
        SnapshotRecord warm = memorySnapshot(vm, VmNetwork.none(), HERE);
        Path vmDir = vms.paths(vm.id()).vmDir();
        Files.writeString(disk(vm), "old");
        Files.writeString(PendingRestore.staged(disk(vm)), "restored");
        Files.write(
                vmDir.resolve("restore.pending"),
                List.of(disk(vm).getFileName().toString(), "resume-from " + warm.memoryState()));

        lifecycle.start("web");

        assertEquals("restored", Files.readString(disk(vm)));
        assertEquals(List.of(warm.memoryState()), hypervisor.loadedStates);
        assertEquals(0, hypervisor.boots);
    }

    @Test
    void aRestoreToADiskSnapshotBootsEvenWhereAMemoryCloneWasStillToResume() throws IOException {
        hypervisor.machine = HERE;
        memorySnapshot(create("web"), VmNetwork.none(), HERE);
        snapshots.clone(CloneRequest.of("warm", "copy", List.of(), false));
        snapshots.save("copy", "cold", true);

        snapshots.restore("copy", "cold");
        lifecycle.start("copy");

        assertEquals(List.of(), hypervisor.loadedStates);
        assertEquals(1, hypervisor.boots);
    }

    /** A user-mode network with one card per VM, whose MAC is drawn from the VM's id. */
    private static final class UserMode implements Network {

        static final class Registration extends Network.Registration {
            Registration() {
                super("user", 1, List.of(), context -> new UserMode());
            }
        }

        @Override
        public String mode() {
            return "user";
        }

        @Override
        public Availability availability(Hypervisor hypervisor) {
            return Availability.ok("always");
        }

        @Override
        public VmNetwork plan(Network.Request request) {
            return new VmNetwork(
                    "user",
                    List.of(new Nic(
                            Nic.Backend.USER,
                            "52:54:00:" + request.vmId().substring(0, 2) + ":00:01",
                            "10.0.2.15",
                            24,
                            "10.0.2.2",
                            List.of("10.0.2.3"),
                            request.published(),
                            "")));
        }

        @Override
        public VmNetwork beforeStart(VmRecord vm) {
            return vm.network();
        }
    }

    @Test
    void aDiskOnlyCloneTakesTheCpusAndMemoryItIsGiven() {
        create("web");
        snapshots.save("web", "base", false);

        VmRecord clone = snapshots.clone(new CloneRequest("base", "big", List.of(), null, 4, 2L << 30, false));

        assertEquals(4, clone.spec().cpus());
        assertEquals(2L << 30, clone.spec().memoryBytes());
        assertEquals(4, vms.resolve("big").spec().cpus());
    }

    @Test
    void aDiskOnlyCloneOutOfRangeIsRefusedBeforeAnythingIsWritten() {
        create("web");
        snapshots.save("web", "base", false);

        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> snapshots.clone(new CloneRequest("base", "big", List.of(), null, 0, null, false)));

        assertEquals("--cpu 0 is out of range", refused.getMessage());
        assertThrows(NotFoundException.class, () -> vms.resolve("big"));
    }

    @Test
    void aDiskOnlyCloneMaySwitchFromNoNetworkToUserModeWithACardOfItsOwn() {
        create("web");
        snapshots.save("web", "base", false);

        VmRecord clone = snapshots.clone(new CloneRequest("base", "net", List.of(), "user", null, null, false));

        assertEquals("user", clone.network().mode());
        assertEquals(1, clone.network().nics().size());
        assertEquals("user", vms.resolve("net").network().mode());
    }

    @Test
    void aMemoryCloneOfAnotherSizeIsRefusedInOneLine() throws IOException {
        hypervisor.machine = HERE;
        VmRecord vm = create("web");
        memorySnapshot(vm, VmNetwork.none(), HERE);

        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> snapshots.clone(new CloneRequest("warm", "copy", List.of(), null, null, 2L << 30, false)));

        assertEquals(1, refused.getMessage().lines().count(), refused.getMessage());
        assertTrue(
                refused.getMessage()
                        .startsWith("snapshot warm holds the memory of a guest with "
                                + vm.spec().cpus() + " CPUs"),
                refused.getMessage());
        assertTrue(refused.hint().contains("--disk-only"), refused.hint());
        assertThrows(NotFoundException.class, () -> vms.resolve("copy"));
    }

    @Test
    void aMemoryCloneWithTheSourcesOwnSizeIsAllowed() throws IOException {
        hypervisor.machine = HERE;
        VmRecord vm = create("web");
        memorySnapshot(vm, VmNetwork.none(), HERE);

        VmRecord clone = snapshots.clone(new CloneRequest(
                "warm", "copy", List.of(), null, vm.spec().cpus(), vm.spec().memoryBytes(), false));

        assertEquals(vm.spec().memoryBytes(), clone.spec().memoryBytes());
    }

    @Test
    void aMemoryCloneInAnotherNetworkModeIsRefusedInOneLine() throws IOException {
        hypervisor.machine = HERE;
        memorySnapshot(create("web"), VmNetwork.none(), HERE);

        InvalidInputException refused = assertThrows(
                InvalidInputException.class,
                () -> snapshots.clone(new CloneRequest("warm", "copy", List.of(), "user", null, null, false)));

        assertEquals(
                "snapshot warm holds the memory of a guest configured for --network none, which its clones resume"
                        + " with",
                refused.getMessage());
        assertThrows(NotFoundException.class, () -> vms.resolve("copy"));
    }

    @Test
    void aMemoryCloneOfABridgedVmAskedForUserModeIsRefusedAsBridged() throws IOException {
        hypervisor.machine = HERE;
        Nic bridged = new Nic(
                Nic.Backend.TAP, "52:54:00:00:00:01", "192.0.2.5", 24, "192.0.2.1", List.of(), List.of(), "ck0123");
        memorySnapshot(create("web"), new VmNetwork("bridge", List.of(bridged)), HERE);

        ConflictException refused = assertThrows(
                ConflictException.class,
                () -> snapshots.clone(new CloneRequest("warm", "copy", List.of(), "user", null, null, false)));

        assertTrue(refused.getMessage().contains("bridged guest"), refused.getMessage());
        assertTrue(refused.hint().contains("--network user"), refused.hint());
    }

    @Test
    void aSnapshotCopiesTheReadOnlyDisksInItsVmsFolderAndKeepsSharedOnesByReference() throws IOException {
        Path layer = Files.writeString(
                Files.createDirectories(host.root.resolve("images/img")).resolve("layer"), "l");
        Path vmDir = Files.createDirectories(host.root.resolve("vms/feedfacefeedface"));
        Path seed = Files.writeString(vmDir.resolve("seed.img"), "who I am");
        Path cow = Files.writeString(vmDir.resolve("cow.raw"), "cow");
        host.writeRecord(
                "feedfacefeedface",
                List.of(
                        new Disk(layer, DiskFormat.RAW, true, "layer", null),
                        new Disk(seed, DiskFormat.RAW, true, "cidata", null),
                        new Disk(cow, DiskFormat.RAW, false, "c", null)),
                BootSpec.kernel(null, null, ""));

        SnapshotRecord saved = snapshots.save("feedfacefeedface", "keep", false);
        VmRecord clone = snapshots.clone(CloneRequest.of("keep", "copy", List.of(), false));

        assertEquals(layer, saved.disks().get(0).path());
        assertEquals(
                store.folder(saved.id()).resolve("seed.img"),
                saved.disks().get(1).path());
        assertTrue(saved.disks().get(1).readOnly());
        Path clonesSeed = clone.disks().get(1).path();
        assertEquals(vms.paths(clone.id()).vmDir().resolve("seed.img"), clonesSeed);
        assertEquals("who I am", Files.readString(clonesSeed));
    }

    @Test
    void aRestoreKilledAfterItsJournalIsFinishedByTheNextStartAndOneKilledBeforeLeavesTheOldDisks() throws IOException {
        VmRecord vm = create("web");
        Path vmDir = vms.paths(vm.id()).vmDir();
        Files.writeString(disk(vm), "old");
        Files.writeString(PendingRestore.staged(disk(vm)), "restored");
        Files.write(
                vmDir.resolve("restore.pending"), List.of(disk(vm).getFileName().toString()));

        lifecycle.start("web");

        assertEquals("restored", Files.readString(disk(vm)));
        assertFalse(Files.exists(vmDir.resolve("restore.pending")));
        lifecycle.stop("web", Duration.ofSeconds(1), true);
        Files.writeString(PendingRestore.staged(disk(vm)), "half a copy");

        assertEquals(List.of(PendingRestore.staged(disk(vm))), PendingRestore.leftovers(vmDir, vm.disks()));
        lifecycle.start("web");

        assertEquals("restored", Files.readString(disk(vm)));
        assertEquals(List.of(), PendingRestore.leftovers(vmDir, vm.disks()));
    }
}
