package cocoon.plugin.oci.store;

import java.time.Instant;
import java.util.List;

/**
 * What {@code index.json} records about one pulled reference.
 *
 * @param reference       the normalised reference, e.g. {@code docker.io/library/ubuntu:24.04}
 * @param manifestDigest  digest of the linux/amd64 image manifest
 * @param referenceDigest digest the reference named when pulled (the manifest list's for a multi-platform tag),
 *                        which a re-pull compares with the registry's answer; null in entries from before it was kept
 * @param layers          bottom first
 * @param kernel          boot file path relative to {@code images/oci}, or null
 * @param initrd          boot file path relative to {@code images/oci}, or null
 * @param sizeBytes       bytes of its EROFS images and boot files
 * @param created         when it was pulled
 */
public record IndexEntry(
        String reference,
        String manifestDigest,
        String referenceDigest,
        List<LayerRecord> layers,
        String kernel,
        String initrd,
        long sizeBytes,
        Instant created) {

    public IndexEntry {
        layers = List.copyOf(layers);
    }
}
