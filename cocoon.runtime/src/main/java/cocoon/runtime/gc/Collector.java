package cocoon.runtime.gc;

import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.api.ImageSource;
import cocoon.api.Network;
import cocoon.api.StoreLock;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.runtime.snapshot.SnapshotRecord;
import cocoon.runtime.snapshot.SnapshotStore;
import cocoon.runtime.store.AtomicFiles;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.LockScope;
import cocoon.runtime.store.Trees;
import cocoon.runtime.store.VmStore;
import cocoon.runtime.vm.PendingRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Decides and removes garbage while holding every store's lock, so no pull, create or rm is half-way.
 * References are derived each time from the image indexes and the VM records; nothing is refcounted.
 */
public final class Collector {

    private final VmStore vms;
    private final SnapshotStore snapshots;
    private final List<Network> networks;
    private final Predicate<VmRecord> runs;
    private final List<ImageSource> sources;
    private final Path rootDir;
    private final Path tmpDir;
    private final Path runDir;
    private final Path logDir;

    /** {@code runs} says whether a VM's hypervisor lives: what the networks' {@link Network#sweep} keeps. */
    public Collector(
            VmStore vms,
            SnapshotStore snapshots,
            List<ImageSource> sources,
            List<Network> networks,
            Predicate<VmRecord> runs,
            Path rootDir,
            Path runDir,
            Path logDir) {
        this.vms = vms;
        this.snapshots = snapshots;
        this.networks = List.copyOf(networks);
        this.runs = runs;
        this.sources = sources;
        this.rootDir = rootDir;
        this.tmpDir = rootDir.resolve("tmp");
        this.runDir = runDir;
        this.logDir = logDir;
    }

    /**
     * Finds the garbage and, unless {@code dryRun}, removes it; then each network takes down what it set up on the
     * host for VMs that do not run. Temp entries younger than {@code horizon} stay.
     */
    public List<Garbage> collect(Duration horizon, boolean dryRun) {
        List<StoreLock.Held> held = holdEveryStore();
        try {
            // Read once, not twice: with 10,000 VMs each read of every record opens 10,000 files.
            List<VmRecord> records = vms.list();
            List<Garbage> garbage = find(records, snapshots.list(), horizon);
            if (!dryRun) {
                for (Garbage g : garbage) {
                    remove(Path.of(g.what()));
                }
            }
            // Only a VM with a network card can have anything of a network's on the host: no other one is asked after.
            Set<String> running = new HashSet<>();
            records.stream()
                    .filter(vm -> !vm.network().nics().isEmpty())
                    .filter(runs)
                    .forEach(vm -> running.add(vm.id()));
            for (Network network : networks) {
                for (Network.Leftover leftover : network.sweep(running, dryRun)) {
                    garbage.add(new Garbage(leftover.what(), leftover.why(), 0));
                }
            }
            return garbage;
        } finally {
            held.reversed().forEach(StoreLock.Held::close);
        }
    }

    /**
     * What {@code rm} leaves to collect, without a pass over every record and blob: the folders, lock and network
     * files of the VMs {@code removed}, whose records are gone, and the image files only they used (reading every
     * record only when their image was deleted meanwhile, to see whether another VM still uses them). With
     * {@code halfRemoved}, also what VMs whose folder holds no record left, which is what a killed rm or create
     * leaves: rm asks for it when a name it was given found no VM, as after a killed rm of that name. Other VMs'
     * leftovers, old temp entries and what networks set up on the host for VMs that died stay for {@link #collect}.
     */
    public List<Garbage> collectAfterRemove(List<VmRecord> removed, boolean halfRemoved) {
        if (removed.isEmpty() && !halfRemoved) {
            return List.of();
        }
        List<StoreLock.Held> held = holdEveryStore();
        try {
            Set<String> gone = new HashSet<>();
            removed.forEach(record -> gone.add(record.id()));
            if (halfRemoved) {
                gone.addAll(vms.foldersWithoutRecord());
            }
            List<Garbage> garbage = new ArrayList<>();
            unusedFilesOf(removed, garbage);
            for (String id : gone) {
                VmPaths paths = vms.paths(id);
                leftover(paths.vmDir(), "VM folder without a record", garbage);
                leftover(paths.runDir(), "run folder without a VM", garbage);
                leftover(paths.logDir(), "log folder without a VM", garbage);
                Path lock = FileStoreLocks.file(rootDir, VmStore.vmLock(id));
                if (Files.exists(lock)) {
                    garbage.add(new Garbage(lock.toString(), "lock of a VM that no longer exists", 0));
                }
            }
            for (Network network : networks) {
                for (Path file : network.garbageOf(gone)) {
                    garbage.add(new Garbage(file.toString(), network.mode() + " network file of no VM", size(file)));
                }
            }
            for (Garbage g : garbage) {
                remove(Path.of(g.what()));
            }
            return garbage;
        } finally {
            held.reversed().forEach(StoreLock.Held::close);
        }
    }

    /**
     * The vms store, the snapshot store and every image store, exclusively: no pull, create, start, stop, rm, save or
     * clone is half-way meanwhile.
     */
    private List<StoreLock.Held> holdEveryStore() {
        FileStoreLocks locks = vms.locks();
        List<StoreLock.Held> held = new ArrayList<>();
        try {
            held.add(locks.exclusive(VmStore.STORE));
            held.add(locks.exclusive(SnapshotStore.STORE));
            sources.forEach(source -> held.add(locks.exclusive(LockScope.imageStore(source.kind()))));
            return held;
        } catch (RuntimeException e) {
            held.reversed().forEach(StoreLock.Held::close);
            throw e;
        }
    }

    /** The image files (or folders) that held a file of the {@code removed} VMs and that no image or other VM uses. */
    private void unusedFilesOf(List<VmRecord> removed, List<Garbage> out) {
        Set<Path> theirs = filesOf(removed);
        if (theirs.isEmpty()) {
            return;
        }
        Set<Path> othersUse = null;
        for (ImageSource source : sources) {
            List<Path> candidates = source.files().stream()
                    .filter(file -> theirs.stream().anyMatch(path -> path.startsWith(file)))
                    .toList();
            if (candidates.isEmpty()) {
                continue;
            }
            Set<Path> indexed = source.inUse();
            candidates =
                    candidates.stream().filter(file -> !kept(file, indexed)).toList();
            if (candidates.isEmpty()) {
                continue;
            }
            if (othersUse == null) {
                othersUse = filesOf(vms.list(), snapshots.list());
            }
            for (Path file : candidates) {
                if (!kept(file, othersUse)) {
                    out.add(new Garbage(file.toString(), source.kind() + " file no image or VM uses", size(file)));
                }
            }
        }
    }

    private static void leftover(Path dir, String reason, List<Garbage> out) {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            out.add(new Garbage(dir.toString(), reason, size(dir)));
        }
    }

    /** The files VMs name outside their own folder: disks, backing files, kernel and initrd. */
    private static Set<Path> filesOf(List<VmRecord> records) {
        Set<Path> files = new HashSet<>();
        records.forEach(record -> keep(record.disks(), record.boot(), files));
        return files;
    }

    /**
     * What VMs and snapshots name: a snapshot needs what its VM needed (layers, kernel, a cloud image's base),
     * whether or not the VM is still there.
     */
    private static Set<Path> filesOf(List<VmRecord> records, List<SnapshotRecord> saved) {
        Set<Path> files = filesOf(records);
        saved.forEach(snapshot -> keep(snapshot.disks(), snapshot.vm().boot(), files));
        return files;
    }

    /** Whether a source's file stays: something names it, or (a folder) something inside it. */
    private static boolean kept(Path file, Set<Path> named) {
        return named.contains(file) || named.stream().anyMatch(path -> path.startsWith(file));
    }

    private List<Garbage> find(List<VmRecord> records, List<SnapshotRecord> saved, Duration horizon) {
        Set<Path> vmFiles = filesOf(records, saved);
        Set<String> ids = new HashSet<>();
        records.forEach(record -> ids.add(record.id()));
        Set<String> snapshotIds = new HashSet<>();
        saved.forEach(snapshot -> snapshotIds.add(snapshot.id()));
        List<Garbage> garbage = new ArrayList<>();
        for (ImageSource source : sources) {
            Set<Path> keep = new HashSet<>(source.inUse());
            keep.addAll(vmFiles);
            for (Path file : source.files()) {
                if (!kept(file, keep)) {
                    garbage.add(new Garbage(file.toString(), source.kind() + " file no image or VM uses", size(file)));
                }
            }
        }
        orphans(vms.vmsDir(), ids, "VM folder without a record", garbage);
        for (VmRecord record : records) {
            Path vmDir = vms.paths(record.id()).vmDir();
            for (Path staged : PendingRestore.leftovers(vmDir, record.disks())) {
                garbage.add(new Garbage(staged.toString(), "disk copy of a restore killed half-way", size(staged)));
            }
            // Every writer into a VM folder holds the vms store shared, which the collector holds exclusively.
            for (Path temp : tempLeftovers(vmDir)) {
                garbage.add(new Garbage(temp.toString(), "temp file of a write killed before its rename", size(temp)));
            }
        }
        Instant cutoff = Instant.now().minus(horizon);
        for (Path folder : children(snapshots.dir())) {
            // A save in progress writes its folder before its record: only one older than the horizon is half-written.
            if (!snapshotIds.contains(folder.getFileName().toString())
                    && modified(folder).isBefore(cutoff)) {
                garbage.add(new Garbage(folder.toString(), "half-written snapshot folder", size(folder)));
            }
        }
        Map<String, String> nameOf = new HashMap<>();
        records.forEach(record -> nameOf.put(record.id(), record.name()));
        vms.nameEntries().forEach((name, id) -> {
            if (!name.equals(nameOf.get(id))) {
                garbage.add(new Garbage(vms.nameEntry(name).toString(), "name entry of no VM", 0));
            }
        });
        orphans(runDir, ids, "run folder without a VM", garbage);
        orphans(logDir, ids, "log folder without a VM", garbage);
        unusedLocks(ids, garbage);
        for (Network network : networks) {
            for (Path file : network.garbage(ids)) {
                garbage.add(new Garbage(file.toString(), network.mode() + " network file of no VM", size(file)));
            }
        }
        for (Path entry : children(tmpDir)) {
            if (modified(entry).isBefore(cutoff)) {
                garbage.add(new Garbage(
                        entry.toString(), "temp entry older than " + horizon.toMinutes() + " min", size(entry)));
            }
        }
        return garbage;
    }

    private static void keep(List<Disk> disks, BootSpec boot, Set<Path> files) {
        for (Disk disk : disks) {
            files.add(disk.path());
            if (disk.backingFile() != null) {
                files.add(disk.backingFile());
            }
        }
        if (boot.kernel() != null) {
            files.add(boot.kernel());
        }
        if (boot.initrd() != null) {
            files.add(boot.initrd());
        }
    }

    private static void orphans(Path parent, Set<String> ids, String reason, List<Garbage> out) {
        for (Path dir : children(parent)) {
            if (Files.isDirectory(dir) && !ids.contains(dir.getFileName().toString())) {
                out.add(new Garbage(dir.toString(), reason, size(dir)));
            }
        }
    }

    /**
     * Lock files of removed VMs, and those an older release named its image stores by. Safe to delete:
     * every VM lock is taken while holding the vms store shared, which the collector holds exclusively,
     * and no lock of this release has an old name, so nobody holds or waits on these files.
     */
    private void unusedLocks(Set<String> ids, List<Garbage> out) {
        try {
            for (String lock : FileStoreLocks.stores(rootDir)) {
                Path file = FileStoreLocks.file(rootDir, lock);
                if (VmStore.vmOfLock(lock).filter(id -> !ids.contains(id)).isPresent()) {
                    out.add(new Garbage(file.toString(), "lock of a VM that no longer exists", 0));
                } else if (!VmStore.ownsLock(lock) && !SnapshotStore.ownsLock(lock) && !LockScope.isPluginLock(lock)) {
                    out.add(new Garbage(file.toString(), "lock file no longer used", 0));
                }
            }
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list the lock files under " + rootDir + ": " + e.getMessage(), "check permissions");
        }
    }

    private static List<Path> tempLeftovers(Path dir) {
        try {
            return AtomicFiles.leftovers(dir);
        } catch (IOException e) {
            throw new CocoonException("cannot list " + dir + ": " + e.getMessage(), "check permissions");
        }
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        } catch (IOException e) {
            throw new CocoonException("cannot list " + dir + ": " + e.getMessage(), "check permissions");
        }
    }

    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    private static long size(Path path) {
        try {
            return Trees.size(path);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void remove(Path path) {
        try {
            Trees.delete(path);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + path + ": " + e.getMessage(), "check permissions and run gc again");
        }
    }
}
