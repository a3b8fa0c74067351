package cocoon.runtime.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Hypervisor;
import cocoon.api.Network;
import cocoon.api.SettingValues;
import cocoon.api.StoreLock;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.snapshot.SnapshotStore;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.LockProbe;
import cocoon.runtime.testing.TestRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the collector calls garbage, given the indexes, the VM records, temp ages, orphans and locks. */
class CollectorTest {

    private static final Duration HORIZON = Duration.ofHours(1);

    @TempDir
    Path dir;

    private TestRoot host;
    private VmStore vms;
    private FakeSource source;
    private Path store;

    @BeforeEach
    void setUp() {
        host = new TestRoot(dir);
        vms = host.vms();
        source = new FakeSource("fake", ref -> true);
        store = host.root.resolve("images/fake");
    }

    private Collector collector(FakeSource... sources) {
        return new Collector(
                vms,
                new SnapshotStore(host.root, vms.locks(), new AtomicJsonFiles()),
                List.of(sources),
                List.of(),
                vm -> false,
                host.root,
                host.run,
                host.log);
    }

    private Map<Path, String> garbage() {
        return collector(source).collect(HORIZON, true).stream()
                .collect(Collectors.toMap(g -> Path.of(g.what()), Garbage::reason));
    }

    private Path file(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        return Files.write(path, new byte[] {1, 2, 3});
    }

    private static Disk disk(Path path, Path backing) {
        return new Disk(path, DiskFormat.RAW, backing == null, null, backing);
    }

    @Test
    void aStoreFileThatNoIndexEntryAndNoVmNamesIsGarbageAndNothingElseIs() throws IOException {
        Path indexed = file(store.resolve("a.blob"));
        Path usedByVm = file(store.resolve("b.blob"));
        Path unused = file(store.resolve("c.blob"));
        source.files.addAll(Set.of(indexed, usedByVm, unused));
        source.inUse.add(indexed);
        host.writeRecord("1", List.of(disk(usedByVm, null)), BootSpec.firmware());

        Map<Path, String> garbage = garbage();

        assertEquals(Set.of(unused), garbage.keySet());
        assertEquals("fake file no image or VM uses", garbage.get(unused));
    }

    @Test
    void aVmKeepsItsBackingFileKernelAndInitrdAfterItsImageIsDeleted() throws IOException {
        Path base = file(store.resolve("base.qcow2"));
        Path kernel = file(store.resolve("boot/1/vmlinuz"));
        Path initrd = file(store.resolve("boot/1/initrd"));
        source.files.addAll(Set.of(base, kernel, initrd));
        Path vmDir = host.root.resolve("vms/1");
        host.writeRecord("1", List.of(disk(file(vmDir.resolve("overlay.qcow2")), base)), BootSpec.firmware());
        host.writeRecord("2", List.of(), BootSpec.kernel(kernel, initrd, ""));

        assertEquals(Set.of(), garbage().keySet());
    }

    @Test
    void aStoreFolderStaysWhileAnythingInsideItIsUsed() throws IOException {
        Path used = store.resolve("boot/used");
        Path unused = store.resolve("boot/unused");
        file(used.resolve("vmlinuz"));
        file(unused.resolve("vmlinuz"));
        source.files.addAll(Set.of(used, unused));
        source.inUse.add(used.resolve("vmlinuz"));

        assertEquals(Set.of(unused), garbage().keySet());
    }

    @Test
    void foldersOfAVmWithoutARecordAreGarbageInEachOfTheThreeDirs() throws IOException {
        host.writeRecord("kept", List.of(), BootSpec.firmware());
        for (Path parent : List.of(host.root.resolve("vms"), host.run, host.log)) {
            file(parent.resolve("kept/file"));
            file(parent.resolve("gone/file"));
        }

        Map<Path, String> garbage = garbage();

        assertEquals(
                Map.of(
                        host.root.resolve("vms/gone"), "VM folder without a record",
                        host.run.resolve("gone"), "run folder without a VM",
                        host.log.resolve("gone"), "log folder without a VM"),
                garbage);
    }

    @Test
    void theTempFileOfARecordWriteKilledBeforeItsRenameIsGarbage() throws IOException {
        host.writeRecord("kept", List.of(), BootSpec.firmware());
        Path temp = file(host.root.resolve("vms/kept/.vm.json8812.tmp"));

        assertEquals(Map.of(temp, "temp file of a write killed before its rename"), garbage());
        collector(source).collect(HORIZON, false);
        assertFalse(Files.exists(temp));
        assertTrue(Files.exists(host.root.resolve("vms/kept/vm.json")));
    }

    @Test
    void aNameEntryWhoseRecordIsGoneIsGarbageAndOneOfALiveVmIsNot() throws IOException {
        host.writeRecord("kept", List.of(), BootSpec.firmware());
        Path names = Files.createDirectories(host.root.resolve("vms-names"));
        Files.createSymbolicLink(names.resolve("vm-kept"), Path.of("kept"));
        Files.createSymbolicLink(names.resolve("vm-gone"), Path.of("gone"));

        assertEquals(Map.of(names.resolve("vm-gone"), "name entry of no VM"), garbage());
        collector(source).collect(HORIZON, false);
        assertTrue(Files.isSymbolicLink(names.resolve("vm-kept")));
        assertFalse(Files.exists(names.resolve("vm-gone"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aTempEntryIsGarbageOnlyOnceOlderThanTheHorizon() throws IOException {
        Path old = file(host.root.resolve("tmp/old.part"));
        Path fresh = file(host.root.resolve("tmp/fresh.part"));
        Files.setLastModifiedTime(
                old, FileTime.from(Instant.now().minus(HORIZON).minusSeconds(60)));
        Files.setLastModifiedTime(
                fresh, FileTime.from(Instant.now().minus(HORIZON).plusSeconds(60)));

        assertEquals(Map.of(old, "temp entry older than 60 min"), garbage());
    }

    @Test
    void locksOfRemovedVmsAndLockFilesOfOlderReleasesGoAndTheRestStay() throws IOException {
        host.writeRecord("live", List.of(), BootSpec.firmware());
        for (String lock : List.of(
                "vms",
                "vms-index",
                "vm-live",
                "vm-gone",
                "images.fake",
                "images.fake.index",
                "hypervisors.qemu",
                "oci",
                "oci-index",
                "cloudimg")) {
            file(host.root.resolve("locks/" + lock + ".lock"));
        }

        Map<Path, String> garbage = garbage();

        Path locks = host.root.resolve("locks");
        assertEquals(
                Map.of(
                        locks.resolve("vm-gone.lock"), "lock of a VM that no longer exists",
                        locks.resolve("oci.lock"), "lock file no longer used",
                        locks.resolve("oci-index.lock"), "lock file no longer used",
                        locks.resolve("cloudimg.lock"), "lock file no longer used"),
                garbage);
    }

    @Test
    void aDryRunRemovesNothingAndARealRunRemovesWhatItReports() throws IOException {
        Path unused = file(store.resolve("c.blob"));
        Path orphan = file(host.run.resolve("gone/api.sock"));
        source.files.add(unused);

        List<Garbage> wouldGo = collector(source).collect(HORIZON, true);
        assertTrue(Files.exists(unused) && Files.exists(orphan));

        List<Garbage> went = collector(source).collect(HORIZON, false);
        assertEquals(wouldGo, went);
        assertEquals(
                3,
                went.stream()
                        .filter(g -> g.what().equals(unused.toString()))
                        .findFirst()
                        .orElseThrow()
                        .bytes());
        assertFalse(Files.exists(unused));
        assertFalse(Files.exists(orphan.getParent()));
        assertEquals(List.of(), collector(source).collect(HORIZON, true));
    }

    @Test
    void afterRmOnlyWhatTheRemovedVmLeftGoes() throws IOException {
        Path indexed = file(store.resolve("indexed.blob"));
        Path onlyRemoved = file(store.resolve("only-removed.blob"));
        Path alsoKept = file(store.resolve("also-kept.blob"));
        Path unrelated = file(store.resolve("unrelated.blob"));
        Path bootOfRemoved = store.resolve("boot/removed");
        file(bootOfRemoved.resolve("vmlinuz"));
        source.files.addAll(Set.of(indexed, onlyRemoved, alsoKept, unrelated, bootOfRemoved));
        source.inUse.add(indexed);
        host.writeRecord("kept", List.of(disk(alsoKept, null)), BootSpec.firmware());
        var removed = host.writeRecord(
                "removed",
                List.of(disk(indexed, null), disk(onlyRemoved, null), disk(alsoKept, null)),
                BootSpec.kernel(bootOfRemoved.resolve("vmlinuz"), null, ""));
        Files.delete(host.root.resolve("vms/removed/vm.json"));
        Path lock = file(host.root.resolve("locks/vm-removed.lock"));
        Path runFolder = file(host.run.resolve("removed/pid")).getParent();
        Path otherOrphan = file(host.log.resolve("gone/console.log")).getParent();
        Path otherLock = file(host.root.resolve("locks/vm-gone.lock"));
        RecordingNetwork network = new RecordingNetwork(file(host.root.resolve("network/leases/192.0.2.9")));

        List<Garbage> went = new Collector(
                        vms,
                        new SnapshotStore(host.root, vms.locks(), new AtomicJsonFiles()),
                        List.of(source),
                        List.of(network),
                        vm -> false,
                        host.root,
                        host.run,
                        host.log)
                .collectAfterRemove(List.of(removed), false);

        assertEquals(
                Map.of(
                        onlyRemoved,
                        "fake file no image or VM uses",
                        bootOfRemoved,
                        "fake file no image or VM uses",
                        host.root.resolve("vms/removed"),
                        "VM folder without a record",
                        runFolder,
                        "run folder without a VM",
                        lock,
                        "lock of a VM that no longer exists",
                        network.leftover,
                        "test network file of no VM"),
                went.stream().collect(Collectors.toMap(g -> Path.of(g.what()), Garbage::reason)));
        assertEquals(Set.of("removed"), network.askedFor);
        assertFalse(Files.exists(onlyRemoved) || Files.exists(bootOfRemoved) || Files.exists(runFolder));
        assertTrue(Files.exists(indexed) && Files.exists(alsoKept), "files an image or another VM uses stay");
        assertTrue(
                Files.exists(unrelated) && Files.exists(otherOrphan) && Files.exists(otherLock),
                "what other VMs and images left stays for gc");
    }

    @Test
    void afterAnRmThatFoundNoVmWhatAHalfRemovedVmLeftGoesToo() throws IOException {
        host.writeRecord("live", List.of(), BootSpec.firmware());
        Path halfRemoved = file(host.root.resolve("vms/half/cow.raw")).getParent();
        Path lock = file(host.root.resolve("locks/vm-half.lock"));
        Path liveLock = file(host.root.resolve("locks/vm-live.lock"));

        assertEquals(List.of(), collector(source).collectAfterRemove(List.of(), false));
        List<Garbage> went = collector(source).collectAfterRemove(List.of(), true);

        assertEquals(
                Set.of(halfRemoved.toString(), lock.toString()),
                went.stream().map(Garbage::what).collect(Collectors.toSet()));
        assertFalse(Files.exists(halfRemoved) || Files.exists(lock));
        assertTrue(Files.exists(host.root.resolve("vms/live/vm.json")) && Files.exists(liveLock));
    }

    @Test
    void afterRmItHoldsTheVmsStoreAndEveryImageStore() throws Exception {
        Path blob = file(store.resolve("a.blob"));
        source.files.add(blob);
        var removed = host.writeRecord("removed", List.of(disk(blob, null)), BootSpec.firmware());
        Files.delete(host.root.resolve("vms/removed/vm.json"));
        LockProbe probe = new LockProbe(host.locks());
        source.whileCollecting = () -> {
            probe.assertSharedWaits(VmStore.STORE);
            probe.assertSharedWaits(LockScope.imageStore("fake"));
        };

        collector(source).collectAfterRemove(List.of(removed), false);

        probe.awaitAll();
    }

    /** A network that keeps one file for every VM it is asked about, and remembers which ones. */
    private static final class RecordingNetwork implements Network {
        final Path leftover;
        final Set<String> askedFor = new HashSet<>();

        RecordingNetwork(Path leftover) {
            this.leftover = leftover;
        }

        @Override
        public String mode() {
            return "test";
        }

        @Override
        public Availability availability(Hypervisor hypervisor) {
            return Availability.ok("test");
        }

        @Override
        public VmNetwork plan(Request request) {
            return VmNetwork.none();
        }

        @Override
        public VmNetwork beforeStart(VmRecord vm) {
            return vm.network();
        }

        @Override
        public List<Path> garbageOf(Set<String> goneIds) {
            askedFor.addAll(goneIds);
            return List.of(leftover);
        }
    }

    @Test
    void whileDecidingItHoldsTheVmsStoreAndEveryImageStore() throws Exception {
        FakeSource other = new FakeSource("other", ref -> true);
        LockProbe probe = new LockProbe(host.locks());
        source.whileCollecting = () -> {
            probe.assertSharedWaits(VmStore.STORE);
            probe.assertSharedWaits(LockScope.imageStore("fake"));
            probe.assertSharedWaits(LockScope.imageStore("other"));
        };

        collector(source, other).collect(HORIZON, true);

        probe.awaitAll();
    }

    @Test
    @SuppressWarnings("try") // the test holds the lock for the block; the body never names it
    void itWaitsForAPullHoldingTheStoreLockThePluginWasHanded() throws Exception {
        var context = Contexts.of(
                LockScope.imageSource("fake"), host.root, host.run, host.log, SettingValues.defaults(List.of()));
        CompletableFuture<List<Garbage>> gc;
        try (StoreLock.Held pull = context.locks().store().shared()) {
            gc = CompletableFuture.supplyAsync(() -> collector(source).collect(HORIZON, true));
            assertThrows(TimeoutException.class, () -> gc.get(300, TimeUnit.MILLISECONDS));
        }
        assertEquals(List.of(), gc.get(10, TimeUnit.SECONDS));
    }

    @Test
    @SuppressWarnings("try") // the test holds the locks for the block; the body never names them
    void itWaitsForAVmCommandHoldingTheVmsStoreAndTheVmsLock() throws Exception {
        host.writeRecord("busy", List.of(), BootSpec.firmware());
        CompletableFuture<List<Garbage>> gc;
        try (StoreLock.Held store = host.locks().shared(VmStore.STORE);
                StoreLock.Held vm = host.locks().exclusive(VmStore.vmLock("busy"))) {
            gc = CompletableFuture.supplyAsync(() -> collector(source).collect(HORIZON, true));
            assertThrows(TimeoutException.class, () -> gc.get(300, TimeUnit.MILLISECONDS));
        }
        assertEquals(List.of(), gc.get(10, TimeUnit.SECONDS));
    }
}
