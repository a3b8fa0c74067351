package cocoon.runtime.snapshot;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.JsonFiles;
import cocoon.api.NotFoundException;
import cocoon.runtime.store.FileStoreLocks;
import cocoon.runtime.store.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Snapshots, one folder per snapshot under {@code <root-dir>/snapshots/}, each listed only once its record is
 * written. Save, clone and restore hold {@link #STORE} shared (a snapshot they read cannot go); rm and gc hold it
 * exclusively; a record is written and its name checked under {@link #INDEX}.
 */
public final class SnapshotStore {

    public static final String STORE = "snapshots";
    public static final String INDEX = "snapshots-index";

    static final String RECORD = "snapshot.json";

    private static final Comparator<SnapshotRecord> OLDEST_FIRST = (a, b) -> {
        int byAge = a.created().compareTo(b.created());
        return byAge != 0 ? byAge : a.id().compareTo(b.id());
    };

    private final Path dir;
    private final FileStoreLocks locks;
    private final JsonFiles json;

    public SnapshotStore(Path rootDir, FileStoreLocks locks, JsonFiles json) {
        this.dir = rootDir.resolve("snapshots");
        this.locks = locks;
        this.json = json;
    }

    /** Whether {@code lock} is one of this store's. */
    public static boolean ownsLock(String lock) {
        return lock.equals(STORE) || lock.equals(INDEX);
    }

    public FileStoreLocks locks() {
        return locks;
    }

    public Path dir() {
        return dir;
    }

    public Path folder(String id) {
        return dir.resolve(id);
    }

    /** Every snapshot whose record was written, oldest first. */
    public List<SnapshotRecord> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(dir)) {
            return folders.map(folder -> folder.resolve(RECORD)).toList().stream()
                    .flatMap(file -> json.read(file, SnapshotRecord.class).stream())
                    .sorted(OLDEST_FIRST)
                    .toList();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list " + dir + ": " + e.getMessage(), "check permissions of the root dir");
        }
    }

    /** By exact name, exact id or unique id prefix, as VMs are found. */
    public SnapshotRecord resolve(String nameOrId) {
        List<SnapshotRecord> all = list();
        Optional<SnapshotRecord> exact = all.stream()
                .filter(s -> s.name().equals(nameOrId) || s.id().equals(nameOrId))
                .findFirst();
        if (exact.isPresent()) {
            return exact.get();
        }
        List<SnapshotRecord> byPrefix = nameOrId.isEmpty()
                ? List.of()
                : all.stream().filter(s -> s.id().startsWith(nameOrId)).toList();
        if (byPrefix.size() == 1) {
            return byPrefix.getFirst();
        }
        if (byPrefix.size() > 1) {
            throw new ConflictException(
                    "'" + nameOrId + "' matches " + byPrefix.size() + " snapshots",
                    "give more characters of the id, or the name");
        }
        throw new NotFoundException("no snapshot named '" + nameOrId + "'", "cocoon snapshot ls lists the snapshots");
    }

    public void requireFree(String name) {
        if (list().stream().anyMatch(s -> s.name().equals(name))) {
            throw new ConflictException(
                    "a snapshot named '" + name + "' already exists",
                    "choose another --name or remove it with cocoon snapshot rm " + name);
        }
    }

    /** Makes the folder a save writes into, private: memory state holds the guest's secrets. */
    Path create(String id) {
        Path folder = folder(id);
        try {
            Files.createDirectories(dir);
            Files.createDirectory(
                    folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return folder;
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot create " + folder + ": " + e.getMessage(), "check free space and permissions under " + dir);
        }
    }

    /** Writes the record, the last step of a save, once no other snapshot has its name. */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    void commit(SnapshotRecord record) {
        try (var held = locks.exclusive(INDEX)) {
            requireFree(record.name());
            json.write(folder(record.id()).resolve(RECORD), record);
        }
    }

    /** Removes the record first, so a kill half-way leaves a folder no listing shows and gc removes. */
    void delete(String id) {
        Path folder = folder(id);
        try {
            Files.deleteIfExists(folder.resolve(RECORD));
            Trees.delete(folder);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + folder + ": " + e.getMessage(), "remove it by hand, then run cocoon gc");
        }
    }
}
