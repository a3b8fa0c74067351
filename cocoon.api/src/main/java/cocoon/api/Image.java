package cocoon.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An image as its source's index records it.
 *
 * @param kind       the source that owns it ({@code oci}, {@code cloudimg})
 * @param reference  the name a user pulled it by, normalised
 * @param digest     content identity, {@code sha256:<hex>} (manifest digest, or the disk's digest)
 * @param sizeBytes  bytes it occupies in the store
 * @param boot       how a VM made from it boots
 * @param baseDisks  the shared read-only disks, bottom layer first
 * @param config     what the image's config says to run; {@link ImageConfig#none()} for images that carry none
 *                   (cloud images, OCI images pulled before it was recorded)
 */
public record Image(
        String kind,
        String reference,
        String digest,
        long sizeBytes,
        Instant created,
        BootSpec boot,
        List<Disk> baseDisks,
        ImageConfig config) {

    public Image {
        baseDisks = List.copyOf(baseDisks);
        config = config == null ? ImageConfig.none() : config;
    }

    /** An image whose source records no config (cloud images). */
    public Image(
            String kind,
            String reference,
            String digest,
            long sizeBytes,
            Instant created,
            BootSpec boot,
            List<Disk> baseDisks) {
        this(kind, reference, digest, sizeBytes, created, boot, baseDisks, ImageConfig.none());
    }

    /**
     * This image booted with a kernel image's kernel and initrd: the kernel image's disks stacked below this
     * image's, so its module tree lies under the image's root file system.
     */
    public Image withKernel(Image kernelImage) {
        List<Disk> stacked = new ArrayList<>(kernelImage.baseDisks());
        stacked.addAll(baseDisks);
        return new Image(kind, reference, digest, sizeBytes, created, kernelImage.boot(), stacked, config);
    }

    /** The first 12 hex digits of the digest, as tables show it. */
    public String shortDigest() {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return hex.substring(0, Math.min(12, hex.length()));
    }
}
