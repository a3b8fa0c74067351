package cocoon.runtime.vmm;

import cocoon.api.HypervisorException;
import cocoon.api.VmmLayout;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A VM's private run and log folders. Only the files a hypervisor run owns are ever removed: a console
 * session keeps its lock file in the run folder while the VM is started and stopped under it.
 */
final class RunFolder {

    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private RunFolder() {}

    /**
     * Folders 0700, the last run's leftovers gone (a killed hypervisor leaves its socket and pid file), and
     * the log and the files the process writes created 0600 before it runs, whatever the umask.
     */
    static void prepare(VmmLayout layout) {
        try {
            privateDir(layout.runDir());
            privateDir(layout.log().getParent());
            removeRunFiles(layout);
            List<Path> files = new ArrayList<>(layout.privateFiles());
            files.add(layout.log());
            for (Path file : files) {
                privateDir(file.getParent());
                createPrivate(file);
            }
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot prepare the run and log folders " + layout.runDir() + ", "
                            + layout.log().getParent() + ": " + e.getMessage(),
                    "check that the run and log directories are writable (run as root or set --run-dir and --log-dir)");
        }
    }

    /** Creates the pid file empty and 0600, for the launcher's shell to write the pid into. */
    static void createPidFile(VmmLayout layout) throws IOException {
        Files.deleteIfExists(layout.pidFile());
        createPrivate(layout.pidFile());
    }

    /** Removes what one run of the hypervisor left (pid file, socket, scratch files), then the folder if nothing else is in it. */
    static void clean(VmmLayout layout) {
        try {
            removeRunFiles(layout);
            Files.deleteIfExists(layout.runDir());
        } catch (DirectoryNotEmptyException e) {
            // A console lock or another tool's file: not ours to remove.
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot clean " + layout.runDir() + ": " + e.getMessage(),
                    "remove its pid file and sockets by hand");
        }
    }

    private static void removeRunFiles(VmmLayout layout) throws IOException {
        Files.deleteIfExists(layout.pidFile());
        Files.deleteIfExists(layout.controlSocket());
        for (Path file : layout.scratch()) {
            Files.deleteIfExists(file);
        }
    }

    private static void createPrivate(Path file) throws IOException {
        try {
            Files.createFile(file, PRIVATE_FILE);
        } catch (FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static void privateDir(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
        Files.setPosixFilePermissions(dir, PRIVATE_DIR);
    }
}
