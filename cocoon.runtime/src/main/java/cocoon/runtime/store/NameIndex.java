package cocoon.runtime.store;

import cocoon.api.CocoonException;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code vms-names/<name>}: one symlink per VM name whose target is the VM's id, so finding a VM by name
 * reads one link and one record however many VMs there are. An entry is a hint, the record is the truth:
 * {@link VmStore} checks the record's name and rescans when they disagree. Entries change only under
 * {@link VmStore#INDEX}; the entry is made before the record and removed after it, so a kill in between
 * leaves an entry of no VM (which the next claim of the name or gc removes), never a record without one.
 */
final class NameIndex {

    static final String DIR = "vms-names";

    private final Path dir;

    NameIndex(Path rootDir) {
        this.dir = rootDir.resolve(DIR);
    }

    Path entry(String name) {
        return dir.resolve(name);
    }

    /** False for a store an older release wrote, which has records but no entries yet. */
    boolean exists() {
        return Files.isDirectory(dir);
    }

    /** Whether {@code s} can name an entry or a VM folder: anything else cannot be a name or an id on disk. */
    static boolean isFileName(String s) {
        return !s.isEmpty() && s.length() <= 255 && s.charAt(0) != '.' && s.indexOf('/') < 0 && s.indexOf('\0') < 0;
    }

    /** The id {@code name}'s entry points at, if it has one. */
    Optional<String> idOf(String name) {
        if (!isFileName(name)) {
            return Optional.empty();
        }
        try {
            String id = Files.readSymbolicLink(dir.resolve(name)).toString();
            return isFileName(id) ? Optional.of(id) : Optional.empty();
        } catch (NoSuchFileException | NotLinkException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", dir.resolve(name), e);
        }
    }

    /** Points {@code name} at {@code id}, replacing a stale entry; the caller holds the index lock and checked the name is free. */
    void claim(String name, String id) {
        if (!isFileName(name)) {
            throw new CocoonException("invalid VM name '" + name + "'", "use letters, digits, '.', '_' or '-'");
        }
        Path entry = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(entry);
            Files.createSymbolicLink(entry, Path.of(id));
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw failure("write", entry, e);
        }
    }

    /** Removes {@code name}'s entry if it still points at {@code id}. */
    void release(String name, String id) {
        if (idOf(name).filter(id::equals).isPresent()) {
            remove(name);
        }
    }

    void remove(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            throw failure("remove", dir.resolve(name), e);
        }
    }

    /**
     * Writes every record's entry into a folder of its own and renames it into place, so a kill half-way
     * leaves no partial index that would hide a taken name. Where an older store has two VMs of one name,
     * the older one keeps it, as the full scan of {@code resolve} did.
     */
    void rebuild(List<VmRecord> oldestFirst) {
        Path building = dir.resolveSibling(DIR + ".new");
        try {
            Trees.delete(building);
            Files.createDirectories(building);
            for (VmRecord record : oldestFirst) {
                if (isFileName(record.name())) {
                    try {
                        Files.createSymbolicLink(building.resolve(record.name()), Path.of(record.id()));
                    } catch (FileAlreadyExistsException younger) {
                        // an older VM of the same name has the entry
                    }
                }
            }
            AtomicFiles.syncDirectory(building);
            Files.move(building, dir, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(dir.getParent());
        } catch (IOException e) {
            throw failure("write", dir, e);
        }
    }

    /** Every entry as name -> id, the id empty where the entry is no link. */
    Map<String, String> entries() {
        if (!exists()) {
            return Map.of();
        }
        Map<String, String> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(file -> file.getFileName().toString())
                    .sorted()
                    .forEach(name -> entries.put(name, idOf(name).orElse("")));
        } catch (IOException e) {
            throw failure("list", dir, e);
        }
        return entries;
    }

    private static CocoonException failure(String verb, Path path, IOException e) {
        return new CocoonException(
                "cannot " + verb + " " + path + ": " + e.getMessage(),
                "check free space and permissions under the root dir");
    }
}
