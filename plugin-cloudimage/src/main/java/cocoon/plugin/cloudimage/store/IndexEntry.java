package cocoon.plugin.cloudimage.store;

import cocoon.plugin.cloudimage.qemu.PartitionTable;
import java.time.Instant;

/**
 * One pulled URL in {@code index.json}.
 *
 * @param digest          {@code sha256:<hex>} of the bytes the URL served
 * @param downloadBytes   how many bytes the URL served
 * @param sourceFormat    the format it was served in ({@code qcow2}, {@code raw}, ...)
 * @param blobBytes       the size of the qcow2 base in the store
 * @param virtualSize     the disk size the guest sees
 * @param etag            the server's ETag, for a conditional re-pull, or null
 * @param lastModified    the server's Last-Modified, for a conditional re-pull, or null
 * @param efiPartition    whether the disk's partition table has an EFI system partition, read once at pull (the
 *                        bytes never change), so {@code create} needs no scratch file on a disk that may be full;
 *                        null for images pulled by a release that did not look
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
        PartitionTable.EfiPartition efiPartition) {

    public String hex() {
        return digest.substring(digest.indexOf(':') + 1);
    }
}
