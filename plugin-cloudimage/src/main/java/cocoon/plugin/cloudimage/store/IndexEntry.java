package cocoon.plugin.cloudimage.store;

import java.time.Instant;

/**
 * One pulled URL in {@code index.json}.
 *
 * @param digest          {@code sha256:<hex>} of the bytes the URL served
 * @param downloadBytes   how many bytes the URL served; 0 for a base that came with a snapshot, not from the URL
 * @param sourceFormat    the format it was served in ({@code qcow2}, {@code raw}, ...); null for a base that came
 *                        with a snapshot
 * @param blobBytes       the size of the qcow2 base in the store
 * @param virtualSize     the disk size the guest sees
 * @param etag            the server's ETag, for a conditional re-pull, or null
 * @param lastModified    the server's Last-Modified, for a conditional re-pull, or null
 * @param lacksEfiPartition true when the disk's partition table was read whole and has no EFI system partition;
 *                        read once at pull (the bytes never change), so making a VM needs no scratch file on a
 *                        disk that may be full; null for images pulled by a release that did not look
 */
public record IndexEntry(
        String url,
        String digest,
        long downloadBytes,
        String sourceFormat,
        long blobBytes,
        long virtualSize,
        String etag,
        String lastModified,
        Instant created,
        Boolean lacksEfiPartition) {

    public String hex() {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
