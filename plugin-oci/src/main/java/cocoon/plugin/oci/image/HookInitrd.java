package cocoon.plugin.oci.image;

import cocoon.api.CocoonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * Cocoon's own initrd without modules (busybox, the guest hook as {@code /init}), as the installation ships it
 * ({@code guest/build-hook-initrd.sh}): {@code hook-initrd.cpio.gz} and {@code hook-modules}, the modules its hook
 * loads, one name a line. A kernel image without an initrd boots with this base followed by a cpio archive of its own
 * modules: the kernel unpacks concatenated archives into one root.
 *
 * @param base    the base archive, or null when the installation ships none (then no kernel image gets an initrd)
 * @param modules the module names, empty without a base
 */
record HookInitrd(Path base, List<String> modules) {

    static final String BASE = "hook-initrd.cpio.gz";
    static final String MODULES = "hook-modules";

    HookInitrd {
        modules = List.copyOf(modules);
    }

    /** What {@code sharedDir} holds; none when it is null or lacks either file. */
    static HookInitrd in(Path sharedDir) {
        if (sharedDir == null
                || !Files.isRegularFile(sharedDir.resolve(BASE))
                || !Files.isRegularFile(sharedDir.resolve(MODULES))) {
            return new HookInitrd(null, List.of());
        }
        try {
            List<String> names = Files.readAllLines(sharedDir.resolve(MODULES), StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty())
                    .toList();
            return new HookInitrd(sharedDir.resolve(BASE), names);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read " + sharedDir.resolve(MODULES) + ": " + e.getMessage(),
                    "reinstall Cocoon: its share/ folder is damaged");
        }
    }

    /**
     * Writes the base followed by {@code moduleArchive} to {@code target}, replacing it atomically (a VM made earlier
     * names the same file); empty when there is no base or no archive.
     */
    Optional<Path> writeWith(Path moduleArchive, Path target, Path tmpDir) {
        if (base == null || !Files.isRegularFile(moduleArchive)) {
            return Optional.empty();
        }
        Path temp = null;
        try {
            Files.createDirectories(tmpDir);
            temp = Files.createTempFile(
                    tmpDir,
                    "cocoon-initrd-",
                    "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (Path part : List.of(base, moduleArchive)) {
                    try (InputStream in = Files.newInputStream(part)) {
                        in.transferTo(out);
                    }
                }
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(target);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write the initrd " + target + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // Left in tmp/, which gc empties.
                }
            }
        }
    }
}
