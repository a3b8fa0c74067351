package cocoon.runtime.store;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.JsonFiles;
import cocoon.api.NotFoundException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * VM records, one {@code vm.json} per VM folder. Readers need no lock (files are replaced atomically);
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
    private final Path runDir;
    private final Path logDir;
    private final FileStoreLocks locks;
    private final JsonFiles json;

    public VmStore(Path rootDir, Path runDir, Path logDir, FileStoreLocks locks, JsonFiles json) {
        this.vmsDir = rootDir.resolve("vms");
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

    /** Finds a VM by exact name, exact id or unique id prefix. */
    public VmRecord resolve(String nameOrId) {
        if (nameOrId == null || nameOrId.isBlank()) {
            throw new NotFoundException("empty VM name", "give a VM name or id (cocoon ps lists them)");
        }
        List<VmRecord> all = list();
        Optional<VmRecord> exact = all.stream()
                .filter(r -> r.name().equals(nameOrId) || r.id().equals(nameOrId))
                .findFirst();
        if (exact.isPresent()) {
            return exact.get();
        }
        List<VmRecord> byPrefix =
                all.stream().filter(r -> r.id().startsWith(nameOrId)).toList();
        if (byPrefix.size() > 1) {
            throw new ConflictException(
                    "'" + nameOrId + "' matches " + byPrefix.size() + " VMs",
                    "give more characters of the id, or the name");
        }
        return byPrefix.stream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("no VM named '" + nameOrId + "'", "cocoon ps lists the VMs"));
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
            Set<String> taken = list().stream().map(VmRecord::name).collect(Collectors.toUnmodifiableSet());
            VmRecord record = build.apply(taken);
            requireFree(record.name(), taken);
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

    /** Deletes the record first, so a crash afterwards leaves only an orphan folder for GC. */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public void deleteRecord(String id) {
        try (var held = locks.exclusive(INDEX)) {
            Files.deleteIfExists(vmsDir.resolve(id).resolve(RECORD));
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove the record of VM " + id + ": " + e.getMessage(),
                    "check permissions of the root dir");
        }
    }
}
