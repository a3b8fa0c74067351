package cocoon.plugin.cloudimage.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A VM's disks hold the guest's data and its seed holds the login password: each is created empty and
 * readable by its owner only before any program writes into it, so its mode never depends on the umask
 * of whoever runs cocoon (the programs that write into it keep the mode of a file that exists).
 */
final class OwnerOnlyFile {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> AT_CREATION =
            PosixFilePermissions.asFileAttribute(OWNER_ONLY);

    private OwnerOnlyFile() {}

    /** Creates {@code file}, empty and 0600; fails if it exists. */
    static Path create(Path file) throws IOException {
        Files.createFile(file, AT_CREATION);
        Files.setPosixFilePermissions(file, OWNER_ONLY);
        return file;
    }
}
