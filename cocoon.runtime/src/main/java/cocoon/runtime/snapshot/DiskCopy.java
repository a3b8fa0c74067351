package cocoon.runtime.snapshot;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import cocoon.runtime.store.IoFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * Copies a VM disk: a reflink where the file system shares extents (btrfs, XFS), else a copy that keeps the holes
 * of a sparse disk, so a 10G disk with 50M written costs 50M. {@code cp} knows both and falls back by itself.
 */
final class DiskCopy {

    /** A disk copy runs at disk speed; an hour covers the largest disk a VM may have here. */
    private static final Duration TIMEOUT = Duration.ofHours(1);

    private final Processes processes;

    DiskCopy(Processes processes) {
        this.processes = processes;
    }

    /** Copies {@code from} to {@code to} (which must not exist), leaving it readable by its owner only. */
    void copy(Path from, Path to) {
        processes.run(
                List.of("cp", "--reflink=auto", "--sparse=always", "--", from.toString(), to.toString()), TIMEOUT);
        try {
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw IoFailure.isNoSpace(e)
                    ? IoFailure.noSpace(to.getParent(), e)
                    : new CocoonException("cannot set the mode of " + to + ": " + e.getMessage(), "check permissions");
        }
    }
}
