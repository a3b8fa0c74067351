package cocoon.runtime.vm;

import cocoon.api.CocoonException;
import cocoon.api.VmPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The mark a snapshot save leaves in a VM's run folder from before it pauses the guest until it has resumed it: a
 * save killed in between leaves a live but paused hypervisor, which {@code ps} shows as paused and {@code start}
 * resumes. The run folder goes with the host's reboot, as the paused process does.
 */
public final class SavePause {

    static final String MARK = "paused-by-snapshot-save";

    private SavePause() {}

    /** Written before the pause, so no kill can leave a paused guest without it. */
    public static void mark(VmPaths paths) {
        Path mark = paths.runDir().resolve(MARK);
        try {
            Files.createDirectories(paths.runDir());
            Files.writeString(mark, "");
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write " + mark + ": " + e.getMessage(), "check that the run directory is writable");
        }
    }

    /** Removed once the guest runs again, or its hypervisor is gone. */
    public static void clear(VmPaths paths) {
        Path mark = paths.runDir().resolve(MARK);
        try {
            Files.deleteIfExists(mark);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot remove " + mark + ": " + e.getMessage(), "remove it by hand, then run cocoon start again");
        }
    }

    public static boolean isMarked(VmPaths paths) {
        return Files.exists(paths.runDir().resolve(MARK));
    }
}
