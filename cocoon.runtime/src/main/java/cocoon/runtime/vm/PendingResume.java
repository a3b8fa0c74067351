package cocoon.runtime.vm;

import cocoon.api.CocoonException;
import cocoon.runtime.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A VM whose disks go with saved memory (a memory snapshot's clone, a VM restored to a memory snapshot) must resume
 * from that state and never boot cold: its guest would lose where the snapshot was. The mark naming the state folder
 * sits in the VM's folder from before its record (clone) or the end of its restore journal until a start has the guest
 * running, so a command killed before the resume leaves a VM that the next start resumes. It lives beside the disks,
 * not in the run folder, because it must outlive a host reboot as they do.
 */
public final class PendingResume {

    static final String MARK = "resume.pending";

    private PendingResume() {}

    /** Written before anything could start the VM from its disks alone. */
    public static void mark(Path vmDir, Path stateFolder) {
        Path mark = vmDir.resolve(MARK);
        try {
            AtomicFiles.write(mark, stateFolder.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write " + mark + ": " + e.getMessage(), "check free space and permissions");
        }
    }

    /** The state folder the VM is still to resume from, if any. */
    public static Optional<Path> stateFolder(Path vmDir) {
        Path mark = vmDir.resolve(MARK);
        try {
            return Files.exists(mark)
                    ? Optional.of(Path.of(Files.readString(mark).strip()))
                    : Optional.empty();
        } catch (IOException e) {
            throw new CocoonException("cannot read " + mark + ": " + e.getMessage(), "check permissions");
        }
    }

    /** Removed once the guest runs from the state, or its disks are replaced by ones that boot. */
    public static void clear(Path vmDir) {
        Path mark = vmDir.resolve(MARK);
        try {
            Files.deleteIfExists(mark);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + mark + ": " + e.getMessage(), "remove it by hand, then run cocoon start again");
        }
    }
}
