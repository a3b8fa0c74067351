package cocoon.runtime.store;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.JsonFiles;
import cocoon.api.NotFoundException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.AbstractSet;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * VM records, one {@code vm.json} per VM folder, and a {@link NameIndex} from names to ids. Readers need no
 * lock (files are replaced atomically);
 * every change holds {@code shared("vms")} for its duration and {@code exclusive("vms-index")} for
 * the read-check-write of records, and GC holds {@code exclusive("vms")}.
 */
public final class VmStore {

    public static final String STORE = "vms";
    public static final String INDEX = "vms-index";
    /** Below this many records a second thread costs more than it saves. */
    private static final int PARALLEL_FROM = 64;

    private static final String VM_LOCK_PREFIX = "vm-";
    private static final String RECORD = "vm.json";
    /** Written out rather than {@code Comparator.comparing(...)}, whose JDK lambdas the AOT cache does not hold. */
    private static final Comparator<VmRecord> OLDEST_FIRST = (a, b) -> {
        int byAge = a.created().compareTo(b.created());
        return byAge != 0 ? byAge : a.id().compareTo(b.id());
    };

    private final Path vmsDir;
    private final NameIndex names;
    private final Path runDir;
    private final Path logDir;
    private final FileStoreLocks locks;
    private final JsonFiles json;

    public VmStore(Path rootDir, Path runDir, Path logDir, FileStoreLocks locks, JsonFiles json) {
        this.vmsDir = rootDir.resolve("vms");
        this.names = new NameIndex(rootDir);
        this.runDir = runDir;
        this.logDir = logDir;
        this.locks = locks;
        this.json = json;
    }

    /** The lock that start, stop and rm of one VM hold exclusively; always taken while holding {@link #STORE} shared. */
    public static String vmLock(String id) {
        return VM_LOCK_PREFIX + id;
    }

    /** The id of the VM whose lock {@code lock} is, or empty for any other store's lock. */
    public static Optional<String> vmOfLock(String lock) {
        return lock.startsWith(VM_LOCK_PREFIX)
                ? Optional.of(lock.substring(VM_LOCK_PREFIX.length()))
                : Optional.empty();
    }

    /** Whether {@code lock} is one of the locks this store takes: {@link #STORE}, {@link #INDEX} or a VM's. */
    public static boolean ownsLock(String lock) {
        return lock.equals(STORE) || lock.equals(INDEX) || lock.startsWith(VM_LOCK_PREFIX);
    }

    public FileStoreLocks locks() {
        return locks;
    }

    public Path vmsDir() {
        return vmsDir;
    }

    public VmPaths paths(String id) {
        return new VmPaths(vmsDir.resolve(id), runDir.resolve(id), logDir.resolve(id));
    }

    /**
     * Every readable record, oldest first. Large stores are read by all cores: each record is a file of
     * its own, and opening and parsing them one by one is most of a {@code ps} over a thousand VMs.
     */
    public List<VmRecord> list() {
        if (!Files.isDirectory(vmsDir)) {
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> dirs = Files.list(vmsDir)) {
            files = dirs.map(dir -> dir.resolve(RECORD)).toList();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list " + vmsDir + ": " + e.getMessage(), "check permissions of the root dir");
        }
        Stream<Path> reads = files.size() < PARALLEL_FROM ? files.stream() : files.parallelStream();
        return reads.flatMap(file -> json.read(file, VmRecord.class).stream())
                .sorted(OLDEST_FIRST)
                .toList();
    }

    /**
     * Finds a VM by exact name, exact id or unique id prefix. A name costs one entry of {@code vms-names/} and
     * one record, an id or prefix a listing of {@code vms/} and the records it matches; only a name whose entry
     * is missing or stale (an older release's store, a kill between two steps) costs a read of every record,
     * and that read repairs the entry.
     */
    public VmRecord resolve(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) {
            throw new NotFoundException("empty VM name", "give a VM name or id (cocoon ps lists them)");
        }
        // An older release's store: the first lookup indexes every name, so no id prefix shadows a name.
        Optional<VmRecord> named = names.exists() ? byName(nameOrId) : scanForName(nameOrId);
        if (named.isPresent()) {
            return named.get();
        }
        List<VmRecord> byId = byIdOrPrefix(nameOrId);
        if (byId.size() == 1) {
            return byId.getFirst();
        }
        Optional<VmRecord> scanned = scanForName(nameOrId);
        if (scanned.isPresent()) {
            return scanned.get();
        }
        if (byId.size() > 1) {
            throw new ConflictException(
                    "'" + nameOrId + "' matches " + byId.size() + " VMs",
                    "give more characters of the id, or the name");
        }
        throw new NotFoundException("no VM named '" + nameOrId + "'", "cocoon ps lists the VMs");
    }

    private Optional<VmRecord> byName(String name) {
        return names.idOf(name).flatMap(this::read).filter(r -> r.name().equals(name));
    }

    /** The VM whose id is {@code idOrPrefix}, else every VM whose id starts with it. */
    private List<VmRecord> byIdOrPrefix(String idOrPrefix) {
        if (!NameIndex.isFileName(idOrPrefix) || !Files.isDirectory(vmsDir)) {
            return List.of();
        }
        Optional<VmRecord> exact = read(idOrPrefix);
        if (exact.isPresent()) {
            return List.of(exact.get());
        }
        try (Stream<Path> dirs = Files.list(vmsDir)) {
            return dirs
                    .map(dir -> dir.getFileName().toString())
                    .filter(id -> id.startsWith(idOrPrefix))
                    .toList()
                    .stream()
                    .flatMap(id -> read(id).stream())
                    .toList();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list " + vmsDir + ": " + e.getMessage(), "check permissions of the root dir");
        }
    }

    /** The slow way, for a name whose entry is missing or stale: every record is read, and the entry set right. */
    private Optional<VmRecord> scanForName(String name) {
        Optional<VmRecord> found =
                list().stream().filter(r -> r.name().equals(name)).findFirst();
        if (NameIndex.isFileName(name)) {
            try {
                repair(name);
            } catch (CocoonException readOnly) {
                // A user who may read the store but not write it still gets the answer; the next writer repairs.
            }
        }
        return found;
    }

    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    private void repair(String name) {
        try (var held = locks.exclusive(INDEX)) {
            if (!names.exists()) {
                names.rebuild(list());
                return;
            }
            if (byName(name).isPresent()) {
                return;
            }
            Optional<VmRecord> owner =
                    list().stream().filter(r -> r.name().equals(name)).findFirst();
            if (owner.isPresent()) {
                names.claim(name, owner.get().id());
            } else {
                names.remove(name);
            }
        }
    }

    /**
     * The names VMs have, as a set whose {@code contains} reads one entry and one record. Iterating it reads
     * every record.
     */
    public Set<String> takenNames() {
        if (!names.exists()) {
            return list().stream().map(VmRecord::name).collect(Collectors.toUnmodifiableSet());
        }
        return new AbstractSet<>() {
            @Override
            public boolean contains(Object o) {
                return o instanceof String name && byName(name).isPresent();
            }

            @Override
            public Iterator<String> iterator() {
                return list().stream().map(VmRecord::name).distinct().iterator();
            }

            @Override
            public int size() {
                return (int) list().stream().map(VmRecord::name).distinct().count();
            }
        };
    }

    /** Every name entry as name -> id (empty where the entry is no link), for gc to drop those of no VM. */
    public Map<String, String> nameEntries() {
        return names.entries();
    }

    public Path nameEntry(String name) {
        return names.entry(name);
    }

    /**
     * The ids of VM folders that hold no record, what a create or rm killed half-way leaves (create writes the
     * record last, rm deletes it first): one listing and one lookup per VM, no record read.
     */
    public List<String> foldersWithoutRecord() {
        if (!Files.isDirectory(vmsDir)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(vmsDir)) {
            return dirs.filter(dir -> !Files.exists(dir.resolve(RECORD), LinkOption.NOFOLLOW_LINKS))
                    .map(dir -> dir.getFileName().toString())
                    .toList();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list " + vmsDir + ": " + e.getMessage(), "check permissions of the root dir");
        }
    }

    public Optional<VmRecord> read(String id) {
        return json.read(vmsDir.resolve(id).resolve(RECORD), VmRecord.class);
    }

    private void write(VmRecord record) {
        json.write(vmsDir.resolve(record.id()).resolve(RECORD), record);
    }

    /**
     * Adds a VM under the index lock. {@code build} gets the names already taken, calls
     * {@link #requireFree} before making any file, and returns the record to write; no other VM
     * can take the name meanwhile.
     */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public VmRecord insert(Function<Set<String>, VmRecord> build) {
        try (var held = locks.exclusive(INDEX)) {
            if (!names.exists()) {
                names.rebuild(list());
            }
            Set<String> taken = takenNames();
            VmRecord record = build.apply(taken);
            requireFree(record.name(), taken);
            names.claim(record.name(), record.id());
            write(record);
            return record;
        }
    }

    public static void requireFree(String name, Set<String> taken) {
        if (taken.contains(name)) {
            throw new ConflictException(
                    "a VM named '" + name + "' already exists",
                    "choose another --name or remove it with cocoon rm " + name);
        }
    }

    /** Re-reads the record under the index lock, applies {@code change} and writes it back. */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public VmRecord update(String id, UnaryOperator<VmRecord> change) {
        try (var held = locks.exclusive(INDEX)) {
            VmRecord current = read(id).orElseThrow(() ->
                    new NotFoundException("VM " + id + " was removed meanwhile", "cocoon ps lists the VMs"));
            VmRecord next = change.apply(current);
            write(next);
            return next;
        }
    }

    /**
     * Serializes {@code record} once on a thread of its own and drops the bytes. Jackson builds a type's
     * serializer on its first write, ~40 ms for a record in a fresh JVM; a caller about to wait for
     * something slow (a hypervisor starting) gets that done meanwhile, so its {@link #update} writes at
     * once. A failure here would fail that write too, which reports it.
     */
    public void prepareWrite(VmRecord record) {
        Thread.ofPlatform().daemon().name("record-serializer").start(() -> {
            try {
                Json.mapper().writeValueAsBytes(record);
            } catch (IOException e) {
                // the real write reports it
            }
        });
    }

    /**
     * Deletes the record, then its name entry: a crash in between leaves an entry of no VM, which resolve
     * sees through and gc removes, and after it an orphan folder for gc.
     */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public void deleteRecord(String id) {
        try (var held = locks.exclusive(INDEX)) {
            Optional<VmRecord> record = read(id);
            Files.deleteIfExists(vmsDir.resolve(id).resolve(RECORD));
            record.ifPresent(r -> names.release(r.name(), id));
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove the record of VM " + id + ": " + e.getMessage(),
                    "check permissions of the root dir");
        }
    }
}
