package cocoon.plugin.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one layer may still take as it is read: tar entries, file bytes, and the free space its disk must keep. The
 * folder path and the direct EROFS writer both count through one, so a tar bomb or a filling disk stops either at
 * the same point, in the same words.
 */
final class LayerBudget {

    /** A layer writes at most this much past the moment the disk's free space fell under {@code min_free}. */
    private static final long FREE_SPACE_CHECK_EVERY = 64L << 20;

    private final LayerLimits limits;
    private final Path disk;
    private final String layer;
    private long entries;
    private long bytes;
    private long nextSpaceCheck = FREE_SPACE_CHECK_EVERY;

    /** {@code disk} is a folder on the file system the layer is written to; {@code layer} names the layer in errors. */
    LayerBudget(LayerLimits limits, Path disk, String layer) {
        this.limits = limits;
        this.disk = disk;
        this.layer = layer;
    }

    /** Counts one more tar entry, refusing the layer past {@code max_layer_entries}. */
    void countEntry() {
        if (++entries > limits.maxEntries()) {
            throw new LayerTooLargeException(
                    "layer " + layer + " has more than " + limits.maxEntries() + " entries",
                    "it may be a tar bomb; if the image is genuine raise [oci] max_layer_entries");
        }
    }

    /**
     * Counts {@code read} more bytes of the file {@code name}, refusing the layer past {@code max_layer_size} or once
     * its disk has less than {@code min_free} left.
     */
    void countFileBytes(long read, String name) throws IOException {
        bytes += read;
        if (bytes > limits.maxBytes()) {
            throw new LayerTooLargeException(
                    "layer " + layer + " unpacks to more than " + limits.maxBytes() + " bytes (at \"" + name + "\")",
                    "it may be a tar bomb; if the image is genuine raise [oci] max_layer_size");
        }
        if (bytes >= nextSpaceCheck) {
            nextSpaceCheck += FREE_SPACE_CHECK_EVERY;
            long free = Files.getFileStore(disk).getUsableSpace();
            if (free < limits.minFreeBytes()) {
                throw new LayerTooLargeException(
                        "only " + free + " bytes left free on the disk of " + disk + " while unpacking layer " + layer,
                        "free some space (cocoon gc) or lower [oci] min_free");
            }
        }
    }
}
