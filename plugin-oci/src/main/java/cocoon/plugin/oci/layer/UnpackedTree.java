package cocoon.plugin.oci.layer;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A folder that one layer, or several applied in order, were unpacked into: what a guest sees through it
 * once it is an EROFS disk over the image's lower disks. Keeps what a walk of the folder cannot tell:
 * which folders are opaque (their {@code trusted.overlay.opaque} xattr is not readable from Java), and
 * which boot files it holds.
 */
public final class UnpackedTree {

    private final Path root;
    final BootCandidates boot = new BootCandidates();
    final Set<Path> opaque = new HashSet<>();

    public UnpackedTree(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public BootCandidates boot() {
        return boot;
    }

    /** Whether the folder hides what lower disks have at the same path. */
    boolean isOpaque(Path dir) {
        return opaque.contains(dir);
    }
}
